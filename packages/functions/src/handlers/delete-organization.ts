import { deleteOrganization, ValidationError } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, parseQuery, requestContextOf } from "../http/request";
import { deleteOrganizationBody, deleteOrganizationQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { deleteResultView } from "../http/views";

/**
 * DELETE /org/delete — protected. The organization is named in the JSON body or in the query
 * string (some clients cannot send a body with DELETE); naming two different ones is refused.
 */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const fromQuery = parseQuery(deleteOrganizationQuery, event).organization_name;
    const hasBody = event.body !== undefined && event.body !== null && event.body !== "";
    const fromBody = hasBody ? parseBody(deleteOrganizationBody, event).organization_name : undefined;
    const name = resolveTarget(fromBody, fromQuery);
    const { name: deleted } = await deleteOrganization(actor, name, requestContextOf(event));
    return json(200, deleteResultView(deleted));
  },
  { body: "optional-json" },
);

function resolveTarget(fromBody: string | undefined, fromQuery: string | undefined): string {
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
    throw new ValidationError([
      { path: "organization_name", message: "the body and the query name different organizations" },
    ]);
  }
  const name = fromBody ?? fromQuery;
  if (name === undefined)
    throw new ValidationError([{ path: "organization_name", message: "is required (in the body or the query)" }]);
  return name;
}
