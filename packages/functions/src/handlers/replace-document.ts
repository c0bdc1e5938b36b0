import { replaceDocument } from "@org-service/core";
import { documentBodyLimit } from "../http/body-limit";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { documentIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** PUT /org/data/documents/{id} — protected (any role): replace one of the caller's documents whole. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { id } = parsePath(documentIdPath, event);
    return json(200, await replaceDocument(actor, id, event.body, requestContextOf(event)));
  },
  { body: "json", maxBodyBytes: documentBodyLimit },
);
