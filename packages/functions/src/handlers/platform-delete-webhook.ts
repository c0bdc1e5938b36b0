import { httpEndpoint } from "../http/endpoint";
import { deleteOperation, platformWriter } from "../http/webhook-operations";

/** DELETE /platform/webhooks/{webhook_id} — platform:write: delete a webhook endpoint, its messages and attempts. */
export const handler = httpEndpoint((event) => deleteOperation(event, platformWriter), { body: "none" });
