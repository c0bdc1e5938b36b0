import { listSessions } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { sessionListView } from "../http/views";

/** GET /me/sessions — protected: the caller's live sessions, in all their organizations. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, sessionListView(await listSessions(await authenticatedActor(event), requestContextOf(event)))),
  { body: "none" },
);
