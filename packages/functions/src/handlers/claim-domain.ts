import { claimDomain } from "@org-service/core";
import { claimDomainBody, domainClaimView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /org/domains — org:domains (owners, admins): claim a domain, pending until its TXT record is verified. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { domain } = parseBody(claimDomainBody, event);
    return json(201, domainClaimView(await claimDomain(actor, { domain }, requestContextOf(event))));
  },
  { body: "json" },
);
