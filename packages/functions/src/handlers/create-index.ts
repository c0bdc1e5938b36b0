import { createIndex } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { indexBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { indexView } from "../http/views";

/** POST /org/data/indexes — protected (owners and admins): an index on the caller's collection. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { keys, unique } = parseBody(indexBody, event);
    return json(201, indexView(await createIndex(actor, { keys, unique }, requestContextOf(event))));
  },
  { body: "json" },
);
