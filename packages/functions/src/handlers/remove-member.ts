import { removeMember } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { userIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/members/{user_id} — protected: remove a member, or leave (your own id). */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { user_id } = parsePath(userIdPath, event);
    return json(200, await removeMember(actor, user_id, requestContextOf(event)));
  },
  { body: "none" },
);
