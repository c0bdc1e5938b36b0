import { deletePlatformOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parsePath, requestContextOf } from "../http/request";
import { platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { platformOrganizationDeletedView } from "../http/views";

/** DELETE /platform/organizations/{organization_id} — platform:write: delete an organization, as its owner's delete does. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    const deleted = await deletePlatformOrganization(actor, organization_id, requestContextOf(event));
    return json(200, platformOrganizationDeletedView(deleted));
  },
  { body: "none" },
);
