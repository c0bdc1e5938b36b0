import { startPlatformMove } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parseBody, parsePath, requestContextOf } from "../http/request";
import { platformMoveBody, platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { platformMoveView } from "../http/views";

/**
 * POST /platform/organizations/{organization_id}/move — platform:write: start moving the
 * organization's data to another cell or tier (202, with where the move got to; the reconciler
 * carries it on).
 */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const target = parseBody(platformMoveBody, event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    const move = await startPlatformMove(actor, organization_id, target, { context: requestContextOf(event) });
    return json(202, platformMoveView(move));
  },
  { body: "json" },
);
