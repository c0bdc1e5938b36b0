import { httpEndpoint } from "../http/endpoint";
import { messagesOperation, platformReader } from "../http/webhook-operations";

/** GET /platform/webhooks/{webhook_id}/messages — platform:read: the endpoint's messages, newest first, with every attempt. */
export const handler = httpEndpoint((event) => messagesOperation(event, platformReader), { body: "none" });
