// A forgotten password: "Forgot password?" asks for a link by mail; the link (`#reset=<token>`)
// opens this page with the form that sets a new one.
import { api, hasStatus } from "./api.js";
import { $, button, onSubmit, paragraph, show, takeLinkToken } from "./dom.js";
import * as session from "./session.js";
import { notice } from "./panel-signin.js";

/** The token of the reset link opened: in memory only, out of the address bar. */
let resetToken = "";

export function readResetLink() {
  const token = takeLinkToken("reset");
  if (token) openReset(token);
}

/** Shows the section with one of its forms: "forgot" (ask for a link) or "reset" (set the password). */
function showForm(which) {
  $("password-section").hidden = false;
  $("forgot").hidden = which !== "forgot";
  $("reset").hidden = which !== "reset";
  $("forgot-open").setAttribute("aria-expanded", String(which === "forgot"));
}

export function close() {
  $("password-section").hidden = true;
  $("forgot-open").setAttribute("aria-expanded", "false");
}

function openForgot() {
  showForm("forgot");
  show($("forgot-result"), []);
  // The address typed into the sign-in already, if any.
  if ($("forgot-email").value === "") $("forgot-email").value = $("signin-email").value;
  $("forgot-email").focus();
}

function openReset(token) {
  resetToken = token;
  showForm("reset");
  $("reset").reset();
  $("reset-fields").hidden = false;
  show($("reset-result"), []);
  $("reset-password").focus();
}

$("forgot-open").addEventListener("click", () => {
  if ($("forgot-open").getAttribute("aria-expanded") === "true") close();
  else openForgot();
});

onSubmit("forgot", async (fields) => {
  // The same answer whether the address has an account or not.
  const { message } = await api("POST", "auth/password-reset", { body: { email: fields.email.trim() } });
  return [paragraph(message)];
});

onSubmit("reset", async (fields, form) => {
  if (!resetToken) throw new Error("Open the link in the mail again, or ask for a new one.");
  if (fields.password !== fields.confirm) {
    form.elements.namedItem("confirm").setAttribute("aria-invalid", "true");
    throw new Error("The passwords do not match.");
  }
  try {
    await api("POST", "auth/password-reset/confirm", { body: { token: resetToken, password: fields.password } });
  } catch (error) {
    if (hasStatus(error, 410)) {
      // The link works no more: say why, and offer a new one.
      resetToken = "";
      form.reset();
      $("reset-fields").hidden = true;
      const again = button("Ask for a new link");
      again.setAttribute("data-focus", "");
      again.addEventListener("click", openForgot);
      error.followUp = [again];
    }
    throw error;
  }
  resetToken = "";
  form.reset();
  // Every session of the user ended: this tab's too, if it was theirs (a check finds out, and signs out).
  if (session.current()) await api("GET", "me", { auth: true }).catch(() => undefined);
  if (session.current()) {
    // Signed in as someone else: the sign-in page is not in view, so this section says it.
    $("reset-fields").hidden = true;
    return [paragraph("Password changed.")];
  }
  close();
  notice("Password changed: sign in with the new password.", { focus: true });
  return [];
});
