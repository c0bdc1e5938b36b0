import { requirePlatformScope, restorePlatformOrganization } from "@org-service/core";
import { ARCHIVE_UPLOAD_MAX_BYTES } from "../http/body-limit";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedPlatformActor, parseBody, parseQuery, requestContextOf } from "../http/request";
import { restoreBody, restoreQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { restoredOrganizationView } from "../http/views";

/**
 * POST /platform/organizations/restore — platform:write: an organization made from an archive,
 * uploaded as the body (`application/gzip`, `?organization_name=` to rename it) or named by
 * `{ "export_id" }` of an export the service keeps (201).
 */
/** The share of the function's time the documents may take to go in. */
const RESTORE_INSERT_SHARE = 0.5;

export const handler = httpEndpoint(
  async (event, lambda) => {
    const actor = await authenticatedPlatformActor(event);
    // Before the body is read: a client without the scope learns nothing from its input's errors.
    requirePlatformScope(actor, "platform:write", "restore organizations");
    // The documents stop going in while verifying them (as long again) and undoing still fit.
    const deadline = Date.now() + lambda.getRemainingTimeInMillis() * RESTORE_INSERT_SHARE;
    const context = { ...requestContextOf(event), deadline };
    const restored = Buffer.isBuffer(event.body)
      ? await restorePlatformOrganization(
          actor,
          { upload: event.body },
          { organizationName: parseQuery(restoreQuery, event).organization_name },
          context,
        )
      : await (async () => {
          const { export_id, organization_name } = parseBody(restoreBody, event);
          return restorePlatformOrganization(
            actor,
            { exportId: export_id },
            { organizationName: organization_name },
            context,
          );
        })();
    return json(201, restoredOrganizationView(restored));
  },
  { body: "archive-or-json", maxBodyBytes: () => ARCHIVE_UPLOAD_MAX_BYTES },
);
