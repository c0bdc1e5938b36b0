import { listJoinRequests } from "@org-service/core";
import { joinRequestPageView, joinRequestsQuery } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery } from "../http/request";
import { json } from "../http/respond";

/** GET /org/join-requests — members:manage (owners, admins): requests to join by domain, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { state, limit, cursor } = parseQuery(joinRequestsQuery, event);
    return json(200, joinRequestPageView(await listJoinRequests(actor, { state, limit, cursor })));
  },
  { body: "none" },
);
