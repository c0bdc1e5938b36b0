import { listMembers } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery } from "../http/request";
import { membersQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { memberPageView } from "../http/views";

/** GET /org/members — protected (any role): the caller's organization's members, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { limit, cursor } = parseQuery(membersQuery, event);
    const page = await listMembers(actor, {
      ...(limit !== undefined && { limit }),
      ...(cursor !== undefined && { cursor }),
    });
    return json(200, memberPageView(page));
  },
  { body: "none" },
);
