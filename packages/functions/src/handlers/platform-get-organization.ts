import { getPlatformOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parsePath, requestContextOf } from "../http/request";
import { platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { platformOrganizationDetailView } from "../http/views";

/** GET /platform/organizations/{organization_id} — platform:read: one organization, its usage and its owners. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    const organization = await getPlatformOrganization(actor, organization_id, requestContextOf(event));
    return json(200, platformOrganizationDetailView(organization));
  },
  { body: "none" },
);
