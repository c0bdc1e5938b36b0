import { listDocuments } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery } from "../http/request";
import { documentsQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { documentPageView } from "../http/views";

/** GET /org/data/documents — protected (any role): the caller's documents matching a filter, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event, { readOrganization: true });
    const { filter, sort, order, limit, cursor } = parseQuery(documentsQuery, event);
    const page = await listDocuments(actor, {
      ...(filter !== undefined && { filter }),
      ...(sort !== undefined && { sort }),
      ...(order !== undefined && { order }),
      ...(limit !== undefined && { limit }),
      ...(cursor !== undefined && { cursor }),
    });
    return json(200, documentPageView(page));
  },
  { body: "none" },
);
