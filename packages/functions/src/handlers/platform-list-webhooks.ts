import { httpEndpoint } from "../http/endpoint";
import { listOperation, platformReader } from "../http/webhook-operations";

/** GET /platform/webhooks — platform:read: the webhook endpoints (never their secrets). */
export const handler = httpEndpoint((event) => listOperation(event, platformReader), { body: "none" });
