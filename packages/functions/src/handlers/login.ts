import { login } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { loginBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginResultView } from "../http/views";

/** POST /admin/login — email and password (and, for a user of several organizations, which one) for a bearer token. */
export const handler = httpEndpoint(
  async (event) => {
    const { email, password, organization_name } = parseBody(loginBody, event);
    const result = await login({ email, password, organizationName: organization_name }, requestContextOf(event));
    return json(200, loginResultView(result));
  },
  { body: "json" },
);
