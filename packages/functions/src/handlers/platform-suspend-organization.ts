import { suspendOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parseBody, parsePath, requestContextOf } from "../http/request";
import { platformOrganizationIdPath, suspendBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { suspensionView } from "../http/views";

/** POST /platform/organizations/{organization_id}/suspend — platform:write: stop serving an organization. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    const { reason } = parseBody(suspendBody, event);
    return json(
      200,
      suspensionView(await suspendOrganization(actor, organization_id, { reason }, requestContextOf(event))),
    );
  },
  { body: "json" },
);
