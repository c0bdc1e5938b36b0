import { declineJoinRequest } from "@org-service/core";
import { joinRequestIdPath, joinRequestView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /org/join-requests/{request_id}/decline — members:manage (owners, admins): decline a request, for good. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { request_id } = parsePath(joinRequestIdPath, event);
    return json(200, joinRequestView(await declineJoinRequest(actor, request_id, requestContextOf(event))));
  },
  { body: "none" },
);
