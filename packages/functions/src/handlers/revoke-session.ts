import { revokeSession } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { sessionIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /me/sessions/{session_id} — protected: end one of the caller's own sessions (anyone else's: 404). */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { session_id } = parsePath(sessionIdPath, event);
    await revokeSession(actor, session_id, requestContextOf(event));
    return json(200, { revoked: true });
  },
  { body: "none" },
);
