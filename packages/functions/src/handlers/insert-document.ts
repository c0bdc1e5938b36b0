import { insertDocument } from "@org-service/core";
import { documentBodyLimit } from "../http/body-limit";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /org/data/documents — protected (any role): store one document in the caller's own collection. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    return json(201, await insertDocument(actor, event.body, requestContextOf(event)));
  },
  { body: "json", maxBodyBytes: documentBodyLimit },
);
