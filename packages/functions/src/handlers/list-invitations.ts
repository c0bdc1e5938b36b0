import { listInvitations } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery, requestContextOf } from "../http/request";
import { invitationsQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { invitationView } from "../http/views";

/** GET /org/invitations — protected (owners and admins): the pending invitations, a page at a time, never their tokens. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { limit, cursor } = parseQuery(invitationsQuery, event);
    const page = await listInvitations(
      actor,
      { ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) },
      requestContextOf(event),
    );
    return json(200, {
      invitations: page.invitations.map(invitationView),
      ...(page.nextCursor && { next_cursor: page.nextCursor }),
    });
  },
  { body: "none" },
);
