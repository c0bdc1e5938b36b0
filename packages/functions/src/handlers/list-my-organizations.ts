import { listMyOrganizations } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { myOrganizationsView } from "../http/views";

/** GET /me/organizations — protected: the caller's organizations, by name, with their role and the token's one marked. */
export const handler = httpEndpoint(
  async (event) => json(200, myOrganizationsView(await listMyOrganizations(await authenticatedActor(event)))),
  { body: "none" },
);
