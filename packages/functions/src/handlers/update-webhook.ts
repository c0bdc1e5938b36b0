import { httpEndpoint } from "../http/endpoint";
import { updateOperation, organizationOwner } from "../http/webhook-operations";

/** PATCH /org/webhooks/{webhook_id} — webhooks:manage: change, disable or enable a webhook endpoint. */
export const handler = httpEndpoint((event) => updateOperation(event, organizationOwner), { body: "json" });
