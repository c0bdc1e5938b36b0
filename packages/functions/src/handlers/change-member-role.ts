import { changeMemberRole } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, parsePath, requestContextOf } from "../http/request";
import { changeRoleBody, userIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { memberView } from "../http/views";

/** PUT /org/members/{user_id} — protected (owners and admins): change a member's role. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { role } = parseBody(changeRoleBody, event);
    const { user_id } = parsePath(userIdPath, event);
    return json(200, memberView(await changeMemberRole(actor, user_id, role, requestContextOf(event))));
  },
  { body: "json" },
);
