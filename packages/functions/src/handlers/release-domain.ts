import { releaseDomain } from "@org-service/core";
import { domainPath } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** DELETE /org/domains/{domain} — org:domains (owners, admins): release the claim, and the domain if the organization holds it. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { domain } = parsePath(domainPath, event);
    return json(200, await releaseDomain(actor, domain, requestContextOf(event)));
  },
  { body: "none" },
);
