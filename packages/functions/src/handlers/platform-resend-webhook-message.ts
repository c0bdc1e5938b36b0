import { httpEndpoint } from "../http/endpoint";
import { resendOperation, platformWriter } from "../http/webhook-operations";

/** POST /platform/webhooks/{webhook_id}/resend — platform:write: send one event to the endpoint again, now. */
export const handler = httpEndpoint((event) => resendOperation(event, platformWriter), { body: "json" });
