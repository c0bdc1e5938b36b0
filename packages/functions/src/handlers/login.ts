import { login } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { loginBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginResultView } from "../http/views";

/** POST /admin/login — email and password for a bearer token. */
export const handler = httpEndpoint(
  async (event) => {
    const result = await login(parseBody(loginBody, event), requestContextOf(event));
    return json(200, loginResultView(result));
  },
  { body: "json" },
);
