import { listDomains } from "@org-service/core";
import { domainClaimView } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";

/** GET /org/domains — org:domains (owners, admins): the organization's domain claims, their state and the record to publish. */
export const handler = httpEndpoint(
  async (event) => {
    const claims = await listDomains(await authenticatedActor(event));
    return json(200, { domains: claims.map(domainClaimView) });
  },
  { body: "none" },
);
