import { listSessions } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseQuery, requestContextOf } from "../http/request";
import { sessionsQuery } from "../http/request-schemas";
import { json } from "../http/respond";
import { sessionListView } from "../http/views";

/** GET /me/sessions — protected: the caller's live sessions, in all their organizations, a page at a time. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { limit, cursor } = parseQuery(sessionsQuery, event);
    const page = await listSessions(
      actor,
      { ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) },
      requestContextOf(event),
    );
    return json(200, sessionListView(page));
  },
  { body: "none" },
);
