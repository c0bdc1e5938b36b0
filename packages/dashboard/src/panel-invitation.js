// An invitation's link is this page with `#invitation=<token>`: accepting it joins the organization
// and signs in there.
import { api } from "./api.js";
import { $, nonEmpty, onSubmit, paragraph, show, takeLinkToken } from "./dom.js";
import * as session from "./session.js";

/** In memory only: the token is a credential. */
let invitationToken = "";

export function readInvitationLink() {
  const token = takeLinkToken("invitation");
  if (!token) return;
  invitationToken = token;
  $("accept-section").hidden = false;
  $("accept-fields").hidden = false;
  show($("accept-result"), []);
  $("accept-password").focus();
}

/** After a sign-out, what an accepted invitation said is over; one still waiting stays. */
export function sessionEnded() {
  if (!invitationToken) $("accept-section").hidden = true;
}

onSubmit("accept", async (fields, form) => {
  if (!invitationToken) throw new Error("Open the invitation's link again.");
  // Without a password, a signed-in user accepts with their token (if they are the one invited).
  const byToken = fields.password === "" && session.current() !== null;
  const answer = await api("POST", "invitations/accept", {
    body: { token: invitationToken, ...nonEmpty(fields) },
    auth: byToken,
    keepSession: true,
  });
  invitationToken = "";
  form.reset();
  $("accept-fields").hidden = true;
  session.start(answer);
  return [paragraph(`Joined ${answer.organization_name} as ${answer.role}. You are signed in.`)];
});
