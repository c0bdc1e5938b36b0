import { reactivateOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parsePath, requestContextOf } from "../http/request";
import { platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { suspensionView } from "../http/views";

/** POST /platform/organizations/{organization_id}/reactivate — platform:write: serve it again, as it was. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    return json(200, suspensionView(await reactivateOrganization(actor, organization_id, requestContextOf(event))));
  },
  { body: "none" },
);
