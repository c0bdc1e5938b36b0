import { inviteMember } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { inviteBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { issuedInvitationView } from "../http/views";

/** POST /org/invitations — protected (owners and admins): invite someone by email; the token is shown once. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const invitation = await inviteMember(actor, parseBody(inviteBody, event), requestContextOf(event));
    return json(201, issuedInvitationView(invitation));
  },
  { body: "json" },
);
