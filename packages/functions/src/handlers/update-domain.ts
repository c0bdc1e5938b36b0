import { setDomainJoinMode } from "@org-service/core";
import { domainClaimView, domainPath, joinModeBody } from "../http/domains";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, parsePath, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** PATCH /org/domains/{domain} — org:domains (owners, admins): set the domain's join mode. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { domain } = parsePath(domainPath, event);
    const { join_mode } = parseBody(joinModeBody, event);
    const claim = await setDomainJoinMode(actor, domain, { joinMode: join_mode }, requestContextOf(event));
    return json(200, domainClaimView(claim));
  },
  { body: "json" },
);
