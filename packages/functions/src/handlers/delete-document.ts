import { deleteDocument } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath } from "../http/request";
import { documentIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/data/documents/{id} — protected (any role): delete one of the caller's documents. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { id } = parsePath(documentIdPath, event);
    return json(200, await deleteDocument(actor, id));
  },
  { body: "none" },
);
