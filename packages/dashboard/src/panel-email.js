// The account's email address: a notice while it is unverified (with a new link on request), and
// the mailed links `#verify=` and `#confirm-email=`, which act as soon as they are opened.
import { api } from "./api.js";
import { $, act, paragraph, show, showError, takeLinkToken } from "./dom.js";
import * as session from "./session.js";

/**
 * Shows the notice when `GET /me` says the email is not verified; hides it otherwise. What a link
 * said (`email-result`) stays until the next link; the section shows while either has something.
 */
export async function render() {
  const before = session.current();
  let unverified = false;
  if (before) {
    const me = await api("GET", "me", { auth: true });
    if (!session.isCurrent(before)) return;
    unverified = me.email_verified === false;
    $("email-notice-hint").textContent = `Follow the link mailed to ${me.email}, or have it sent again.`;
  }
  if (!unverified) show($("email-resend-result"), []);
  $("email-notice").hidden = !unverified;
  $("email-section").hidden = !unverified && $("email-result").childElementCount === 0;
}

/** A link's outcome belongs to the session it was opened in: a sign-in or a sign-out drops it. */
export function forget() {
  show($("email-result"), []);
  show($("email-resend-result"), []);
}

export function readEmailLinks() {
  const verify = takeLinkToken("verify");
  if (verify) follow(() => verifyEmail(verify));
  const confirm = takeLinkToken("confirm-email");
  if (confirm) follow(() => confirmEmail(confirm));
}

$("email-resend").addEventListener("click", (event) =>
  act(event.currentTarget, $("email-resend-result"), async () => {
    const result = await api("POST", "me/verify-email", { auth: true });
    return [
      paragraph(
        result.mail_sent
          ? `A new link is sent to ${result.email}. Follow it to verify the address.`
          : `The mail to ${result.email} could not be sent: try again later.`,
      ),
    ];
  }),
);

/** Runs a link's request and shows its outcome. */
async function follow(action) {
  $("email-section").hidden = false;
  const target = $("email-result");
  show(target, [paragraph("Checking the link…")]);
  try {
    show(target, await action());
  } catch (error) {
    showError(undefined, target, error);
  }
  $("email-section").hidden = false;
}

async function verifyEmail(token) {
  const result = await api("POST", "auth/verify-email", { body: { token } });
  // The notice of a signed-in user goes once their address is the one verified.
  await render().catch(() => undefined);
  return [paragraph(`Your email ${result.email} is verified.`)];
}

async function confirmEmail(linkToken) {
  // An expired access token would be ignored (and its session ended with the others): renew it first.
  if (session.current() && session.expiresWithin(5_000)) await session.refresh();
  const before = session.current();
  const sentWith = session.accessToken();
  // Signed in, the bearer token lets this session continue under the new address.
  const result = await api("POST", "auth/confirm-email", {
    body: { token: linkToken },
    auth: before !== null,
    keepSession: true,
  });
  const continued = Boolean(result.access_token) && before !== null && session.accessToken() === sentWith;
  if (continued) session.continueWith(result);
  // Otherwise every session of the user ended: this tab's too, if it was theirs.
  else if (session.current()) await api("GET", "me", { auth: true }).catch(() => undefined);
  return [
    paragraph(
      continued
        ? `Your email is now ${result.email}. Other sessions are signed out; this one continues.`
        : `Your email is now ${result.email}. Every session was signed out: sign in with the new address.`,
    ),
  ];
}
