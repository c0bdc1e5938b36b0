import { httpEndpoint } from "../http/endpoint";
import { deleteOperation, organizationOwner } from "../http/webhook-operations";

/** DELETE /org/webhooks/{webhook_id} — webhooks:manage: delete a webhook endpoint, its messages and attempts. */
export const handler = httpEndpoint((event) => deleteOperation(event, organizationOwner), { body: "none" });
