import { httpEndpoint } from "../http/endpoint";
import { startForPlatform } from "../http/export-operations";

/** POST /platform/organizations/{organization_id}/exports — platform:write: start an export of an organization, private metadata included. */
export const handler = httpEndpoint(startForPlatform, { body: "none" });
