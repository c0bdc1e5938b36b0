import { revokeInvitation } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { invitationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/invitations/{invitation_id} — protected (owners and admins): revoke a pending invitation. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { invitation_id } = parsePath(invitationIdPath, event);
    return json(200, await revokeInvitation(actor, invitation_id, requestContextOf(event)));
  },
  { body: "none" },
);
