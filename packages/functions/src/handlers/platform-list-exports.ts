import { httpEndpoint } from "../http/endpoint";
import { listForPlatform } from "../http/export-operations";

/** GET /platform/organizations/{organization_id}/exports — platform:read: the organization's exports. */
export const handler = httpEndpoint(listForPlatform, { body: "none" });
