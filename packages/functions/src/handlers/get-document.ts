import { getDocument } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath } from "../http/request";
import { documentIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** GET /org/data/documents/{id} — protected (any role): one of the caller's documents; 404 for any other id. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { id } = parsePath(documentIdPath, event);
    return json(200, await getDocument(actor, id));
  },
  { body: "none" },
);
