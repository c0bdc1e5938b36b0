import { getUsage } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { usageView } from "../http/views";

/** GET /org/usage — protected (any role): what the organization uses of its collection, beside its quotas. */
export const handler = httpEndpoint(
  async (event) => json(200, usageView(await getUsage(await authenticatedActor(event, { readOrganization: true })))),
  { body: "none" },
);
