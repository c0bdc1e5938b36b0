import { patchOrganizationMetadata } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parseBody, parsePath, requestContextOf } from "../http/request";
import { metadataPatchBody, platformOrganizationIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** PATCH /platform/organizations/{organization_id}/metadata — platform:write: merge the operator's metadata. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedPlatformActor(event);
    const { organization_id } = parsePath(platformOrganizationIdPath, event);
    const body = parseBody(metadataPatchBody, event);
    const merged = await patchOrganizationMetadata(
      actor,
      organization_id,
      { publicMetadata: body.public_metadata, privateMetadata: body.private_metadata },
      requestContextOf(event),
    );
    return json(200, {
      organization_id,
      public_metadata: merged.publicMetadata,
      private_metadata: merged.privateMetadata,
    });
  },
  { body: "json" },
);
