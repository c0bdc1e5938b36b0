import { joinOrganization } from "@org-service/core";
import { joinedMembershipView, joinOrganizationPath, joinRequestView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/**
 * POST /me/joinable-organizations/{organization_id}/join — profile:write: 201 and the membership
 * (auto-join), or 202 and the request waiting for an owner or admin (suggest).
 */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { organization_id } = parsePath(joinOrganizationPath, event);
    const joined = await joinOrganization(actor, organization_id, requestContextOf(event));
    return joined.outcome === "joined"
      ? json(201, joinedMembershipView(joined.membership))
      : json(202, joinRequestView(joined.request));
  },
  { body: "none" },
);
