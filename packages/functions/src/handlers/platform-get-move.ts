import { getPlatformMove } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parsePath, requestContextOf } from "../http/request";
import { platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { platformMoveView } from "../http/views";

/** GET /platform/organizations/{organization_id}/move — platform:read: the move under way, or how the last one ended. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    return json(200, platformMoveView(await getPlatformMove(actor, organization_id, requestContextOf(event))));
  },
  { body: "none" },
);
