import { httpEndpoint } from "../http/endpoint";
import { replayOperation, organizationOwner } from "../http/webhook-operations";

/** POST /org/webhooks/{webhook_id}/replay — webhooks:manage: deliver every event since a time again. */
export const handler = httpEndpoint((event) => replayOperation(event, organizationOwner), { body: "json" });
