import { httpEndpoint } from "../http/endpoint";
import { createOperation, organizationOwner } from "../http/webhook-operations";

/** POST /org/webhooks — webhooks:manage: register a webhook endpoint (its signing secret is shown once). */
export const handler = httpEndpoint((event) => createOperation(event, organizationOwner), { body: "json" });
