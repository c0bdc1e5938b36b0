import { httpEndpoint } from "../http/endpoint";
import { createOperation, platformWriter } from "../http/webhook-operations";

/** POST /platform/webhooks — platform:write: register a webhook endpoint (its signing secret is shown once). */
export const handler = httpEndpoint((event) => createOperation(event, platformWriter), { body: "json" });
