// Sign in: with a password (and the code step when two-factor sign-in is on), or through the
// organization's identity provider (single sign-on).
import { ApiError, api } from "./api.js";
import { $, button, nonEmpty, onSubmit, paragraph, show, showError, takeLinkToken } from "./dom.js";
import * as session from "./session.js";

/** Says something on the sign-in page: why the session ended, what to do next. */
export function notice(message, { focus = false } = {}) {
  show($("signin-result"), message ? [paragraph(message)] : []);
  if (focus) $("signin-email").focus();
}

/** Forgets what the last sign-in attempt showed (a new session started, or a new visitor). */
export function reset() {
  mfaToken = "";
  $("mfa").hidden = true;
  for (const id of ["signin-result", "mfa-result", "sso-result"]) show($(id), []);
}

// --- with a password ---------------------------------------------------------------------------------

onSubmit("signin", signIn);

/** A user of several organizations who named none is shown them, to choose one. */
async function signIn(fields, form) {
  let answer;
  try {
    answer = await api("POST", "admin/login", { body: nonEmpty(fields) });
  } catch (error) {
    const choices = error instanceof ApiError && error.status === 409 ? error.problem.organizations : undefined;
    if (Array.isArray(choices)) return organizationChoices(fields, choices, form);
    throw error;
  }
  form.reset();
  if (answer.mfa_required) return askForCode(answer);
  session.start(answer);
  return [];
}

function organizationChoices(fields, choices, form) {
  const list = document.createElement("ul");
  list.className = "plain";
  for (const choice of choices) {
    const choose = button(`Sign in to ${choice.organization_name} (${choice.role})`);
    choose.addEventListener("click", async () => {
      for (const other of list.querySelectorAll("button")) other.disabled = true;
      const result = $("signin-result");
      try {
        show(result, await signIn({ ...fields, organization_name: choice.organization_name }, form));
      } catch (error) {
        showError(form, result, error);
      }
    });
    const item = document.createElement("li");
    item.append(choose);
    list.append(item);
  }
  list.querySelector("button")?.setAttribute("data-focus", "");
  return [paragraph("You are a member of several organizations. Which one?"), list];
}

// --- the code step -------------------------------------------------------------------------------------

/** The `mfa_token` of the sign-in waiting for its code: in memory only, it lives 5 minutes. */
let mfaToken = "";

function askForCode(answer) {
  mfaToken = answer.mfa_token;
  $("mfa").hidden = false;
  show($("mfa-result"), []);
  $("mfa-code").value = "";
  $("mfa-code").focus();
  return [paragraph("Password accepted. Enter the code from your authenticator app to finish signing in.")];
}

/** The code step of a sign-in that started elsewhere (switching organization), with what to tell the user. */
export function continueWithCode(answer, message) {
  askForCode(answer);
  show($("signin-result"), [paragraph(message)]);
}

onSubmit("mfa", async (fields, form) => {
  if (!mfaToken) throw new Error("Sign in with your password first.");
  const entered = fields.code.trim();
  // Six digits are the app's code; anything else is taken for a recovery code.
  const proof = /^\d{6}$/.test(entered.replace(/\s/g, "")) ? { code: entered } : { recovery_code: entered };
  const answer = await api("POST", "auth/mfa", { body: { mfa_token: mfaToken, ...proof } });
  form.reset();
  session.start(answer);
  return [];
});

// --- single sign-on: the browser goes to the provider and comes back with a code -----------------------

/** The verifier of the sign-in under way: this tab's, until it comes back from the provider. */
const SSO_VERIFIER = "org-service.sso-verifier";

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

onSubmit("sso", async (fields) => {
  const who = fields.who.trim();
  if (!who) throw new Error("Enter your work email or your organization's name.");
  // A verifier only this tab knows: the code the provider's answer ends in is worth nothing without it.
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(SSO_VERIFIER, verifier);
  const query = new URLSearchParams({
    [who.includes("@") ? "email" : "organization"]: who,
    handoff_challenge: challenge,
    answer: "json",
  });
  // Asked with fetch, so that "no single sign-on here" is shown on this page; the answer sets the
  // cookie that binds the sign-in to this browser, and says where the provider is.
  const started = await api("GET", `auth/sso/start?${query}`);
  location.assign(started.location);
  return [paragraph("Going to your organization's identity provider…")];
});

const SSO_ERRORS = {
  unknown_sign_in: "This sign-in is unknown, used or expired: start it again.",
  other_browser: "This sign-in was started in another browser: start it again here.",
  answer_refused: "Your identity provider's answer was refused.",
  no_email: "Your identity provider gave no email address.",
  email_not_verified: "Your identity provider says your email is not verified.",
  email_outside_domains: "Your email is not in one of the organization's verified domains.",
  not_available: "Single sign-on is not available for this organization.",
  provider_error: "Your identity provider answered with an error.",
};

/** Back from the provider (`#sso=<code>` or `#sso_error=<reason>`): the code exchanged with this tab's verifier. */
export function readSsoLink() {
  const code = takeLinkToken("sso");
  if (code) completeSso(code);
  const refused = takeLinkToken("sso_error");
  if (refused) show($("sso-result"), [paragraph(SSO_ERRORS[refused] ?? "The sign-in failed.")], true);
}

async function completeSso(code) {
  const verifier = sessionStorage.getItem(SSO_VERIFIER);
  sessionStorage.removeItem(SSO_VERIFIER);
  const result = $("sso-result");
  try {
    if (!verifier) throw new Error("This sign-in was started in another tab: start it again here.");
    const answer = await api("POST", "auth/sso/exchange", { body: { code, verifier } });
    if (answer.mfa_required) show(result, askForCode(answer));
    else session.start(answer);
  } catch (error) {
    showError(undefined, result, error);
  }
}
