import { listJoinableOrganizations } from "@org-service/core";
import { joinableOrganizationsView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";

/** GET /me/joinable-organizations — org:read: what the caller's verified email's domain lets them join. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, joinableOrganizationsView(await listJoinableOrganizations(await authenticatedActor(event)))),
  { body: "none" },
);
