import { httpEndpoint } from "../http/endpoint";
import { messagesOperation, organizationOwner } from "../http/webhook-operations";

/** GET /org/webhooks/{webhook_id}/messages — webhooks:manage: the endpoint's messages, newest first, with every attempt. */
export const handler = httpEndpoint((event) => messagesOperation(event, organizationOwner), { body: "none" });
