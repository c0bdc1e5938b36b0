import { httpEndpoint } from "../http/endpoint";
import { rotateOperation, organizationOwner } from "../http/webhook-operations";

/** POST /org/webhooks/{webhook_id}/rotate-secret — webhooks:manage: a new signing secret; the previous one signs alongside for 24 hours. */
export const handler = httpEndpoint((event) => rotateOperation(event, organizationOwner), { body: "none" });
