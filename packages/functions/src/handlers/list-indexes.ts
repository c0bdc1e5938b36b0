import { listIndexes } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { indexView } from "../http/views";

/** GET /org/data/indexes — protected (owners and admins): the indexes the organization created. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, {
      indexes: (await listIndexes(await authenticatedActor(event, { readOrganization: true }))).map(indexView),
    }),
  { body: "none" },
);
