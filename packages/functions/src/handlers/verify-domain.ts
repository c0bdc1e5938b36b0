import { verifyDomain } from "@org-service/core";
import { domainClaimView, domainPath } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /org/domains/{domain}/verify — org:domains (owners, admins): look the claim's TXT record up now. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { domain } = parsePath(domainPath, event);
    return json(200, domainClaimView(await verifyDomain(actor, domain, requestContextOf(event))));
  },
  { body: "none" },
);
