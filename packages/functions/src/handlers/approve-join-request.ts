import { approveJoinRequest } from "@org-service/core";
import { joinedMembershipView, joinRequestIdPath, joinRequestView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /org/join-requests/{request_id}/approve — members:manage (owners, admins): the requester becomes a member. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { request_id } = parsePath(joinRequestIdPath, event);
    const { request, membership } = await approveJoinRequest(actor, request_id, requestContextOf(event));
    return json(200, { request: joinRequestView(request), membership: joinedMembershipView(membership) });
  },
  { body: "none" },
);
