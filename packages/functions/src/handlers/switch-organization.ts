import { switchOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { switchOrganizationBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginAnswerView } from "../http/views";

/**
 * POST /auth/switch — protected: a new session for another organization of the caller's, answered
 * like a login (with two-factor login on and not passed by this session: the code step). The
 * current session stays.
 */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { organization_name } = parseBody(switchOrganizationBody, event);
    const result = await switchOrganization(actor, { organizationName: organization_name }, requestContextOf(event));
    return json(200, loginAnswerView(result));
  },
  { body: "json" },
);
