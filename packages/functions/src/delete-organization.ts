import { deleteOrganization, organizationNameSchema, ValidationError } from "@org-service/core";
import { z } from "zod";
import { httpHandler } from "./http/handler";
import { actorFrom, parseBody, parseQuery } from "./http/request";
import { json } from "./http/respond";

const target = z.strictObject({ organization_name: organizationNameSchema });
export const deleteOrganizationBody = target;
export const deleteOrganizationQuery = target.partial();

/**
 * DELETE /org/delete — protected. The organization is named in the JSON body or in the query
 * string (some clients cannot send a body with DELETE); naming two different ones is refused.
 */
export const handler = httpHandler(
  async (event) => {
    const actor = actorFrom(event);
    const fromQuery = parseQuery(deleteOrganizationQuery, event).organization_name;
    const hasBody = event.body !== undefined && event.body !== null && event.body !== "";
    const fromBody = hasBody ? parseBody(deleteOrganizationBody, event).organization_name : undefined;
    const name = resolveTarget(fromBody, fromQuery);
    const { name: deleted } = await deleteOrganization(actor, name);
    return json(200, { deleted: true, organization_name: deleted });
  },
  { body: "optional-json" },
);

function resolveTarget(fromBody: string | undefined, fromQuery: string | undefined): string {
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
    throw new ValidationError([{ path: "organization_name", message: "the body and the query name different organizations" }]);
  }
  const name = fromBody ?? fromQuery;
  if (name === undefined) throw new ValidationError([{ path: "organization_name", message: "is required (in the body or the query)" }]);
  return name;
}
