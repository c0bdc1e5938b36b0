import { httpEndpoint } from "../http/endpoint";
import { replayOperation, platformWriter } from "../http/webhook-operations";

/** POST /platform/webhooks/{webhook_id}/replay — platform:write: deliver every event since a time again. */
export const handler = httpEndpoint((event) => replayOperation(event, platformWriter), { body: "json" });
