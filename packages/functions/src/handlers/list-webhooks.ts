import { httpEndpoint } from "../http/endpoint";
import { listOperation, organizationOwner } from "../http/webhook-operations";

/** GET /org/webhooks — webhooks:manage: the webhook endpoints (never their secrets). */
export const handler = httpEndpoint((event) => listOperation(event, organizationOwner), { body: "none" });
