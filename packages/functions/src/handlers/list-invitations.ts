import { listInvitations } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { invitationView } from "../http/views";

/** GET /org/invitations — protected (owners and admins): the pending invitations, never their tokens. */
export const handler = httpEndpoint(
  async (event) => {
    const invitations = await listInvitations(await authenticatedActor(event));
    return json(200, { invitations: invitations.map(invitationView) });
  },
  { body: "none" },
);
