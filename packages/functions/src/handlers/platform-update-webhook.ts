import { httpEndpoint } from "../http/endpoint";
import { updateOperation, platformWriter } from "../http/webhook-operations";

/** PATCH /platform/webhooks/{webhook_id} — platform:write: change, disable or enable a webhook endpoint. */
export const handler = httpEndpoint((event) => updateOperation(event, platformWriter), { body: "json" });
