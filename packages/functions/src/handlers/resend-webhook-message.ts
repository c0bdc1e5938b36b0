import { httpEndpoint } from "../http/endpoint";
import { resendOperation, organizationOwner } from "../http/webhook-operations";

/** POST /org/webhooks/{webhook_id}/resend — webhooks:manage: send one event to the endpoint again, now. */
export const handler = httpEndpoint((event) => resendOperation(event, organizationOwner), { body: "json" });
