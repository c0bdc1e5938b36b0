// Switching organization, for a user of several: the header offers the others, and choosing one
// opens a session there without the password (POST /auth/switch). The tab goes on with the new
// session and ends the one it leaves, so no session is left open that nobody holds.
import { api } from "./api.js";
import { $, paragraph, show } from "./dom.js";
import { continueWithCode } from "./panel-signin.js";
import * as session from "./session.js";

const picker = () => $("organization-switch");

/** Offers the caller's organizations when they have more than one; hidden otherwise. */
export async function load(view) {
  hide();
  const { organizations } = await api("GET", "me/organizations", { auth: true });
  // Another sign-in or a sign-out meanwhile: this list is someone else's.
  if (!session.isCurrent(view) || organizations.length < 2) return;
  picker().replaceChildren(
    ...organizations.map(
      (organization) =>
        new Option(
          `${organization.organization_name} (${organization.role})`,
          organization.organization_name,
          organization.current,
          organization.current,
        ),
    ),
  );
  $("organization-switch-form").hidden = false;
}

export function hide() {
  $("organization-switch-form").hidden = true;
  show($("organization-switch-result"), []);
}

picker().addEventListener("change", async () => {
  const select = picker();
  const target = select.value;
  const result = $("organization-switch-result");
  select.disabled = true;
  try {
    const answer = await api("POST", "auth/switch", { auth: true, body: { organization_name: target } });
    if (answer.mfa_required) {
      // This session did not pass the second factor: the new one asks for it, on the sign-in page.
      await session.logout();
      continueWithCode(answer, `Enter the code from your authenticator app to switch to ${target}.`);
      return;
    }
    // Read now, not before the switch: a refresh on the way may have renewed it.
    const left = session.accessToken();
    session.start(answer);
    // The session left behind ends on the server too (the page has forgotten it either way; if
    // this fails, it ends when idle, and nobody holds its refresh token any more).
    await fetch("auth/logout", { method: "POST", headers: { authorization: `Bearer ${left}` } }).catch(() => undefined);
  } catch (error) {
    // The list is as it was; say why the switch did not happen.
    select.value = session.current()?.organizationName ?? select.value;
    show(result, [paragraph(error.message)], true);
  } finally {
    select.disabled = false;
  }
});
