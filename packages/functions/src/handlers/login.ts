import { login } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { loginBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginAnswerView } from "../http/views";

/**
 * POST /admin/login — email and password (and, for a user of several organizations, which one)
 * for a session's tokens; with two-factor login on, for the code step (`POST /auth/mfa`).
 */
export const handler = httpEndpoint(
  async (event) => {
    const { email, password, organization_name } = parseBody(loginBody, event);
    const result = await login({ email, password, organizationName: organization_name }, requestContextOf(event));
    return json(200, loginAnswerView(result));
  },
  { body: "json" },
);
