import { httpEndpoint } from "../http/endpoint";
import { rotateOperation, platformWriter } from "../http/webhook-operations";

/** POST /platform/webhooks/{webhook_id}/rotate-secret — platform:write: a new signing secret; the previous one signs alongside for 24 hours. */
export const handler = httpEndpoint((event) => rotateOperation(event, platformWriter), { body: "none" });
