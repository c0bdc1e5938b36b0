import { dropIndex } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { indexNamePath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/data/indexes/{name} — protected (owners and admins): drop one of the organization's indexes. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { name } = parsePath(indexNamePath, event);
    return json(200, await dropIndex(actor, name, requestContextOf(event)));
  },
  { body: "none" },
);
