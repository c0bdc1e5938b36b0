import { httpEndpoint } from "../http/endpoint";
import { getForPlatform } from "../http/export-operations";

/** GET /platform/organizations/{organization_id}/exports/{export_id} — platform:read: an export, with its download link once completed. */
export const handler = httpEndpoint(getForPlatform, { body: "none" });
