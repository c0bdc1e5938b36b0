import { login, loginInputSchema } from "@org-service/core";
import { httpHandler } from "./http/handler";
import { parseBody } from "./http/request";
import { json } from "./http/respond";

export const loginBody = loginInputSchema.strict();

/** POST /admin/login — email and password for a bearer token. */
export const handler = httpHandler(
  async (event) => {
    const result = await login(parseBody(loginBody, event));
    return json(200, {
      access_token: result.accessToken,
      token_type: "Bearer",
      expires_in: result.expiresIn,
      admin_id: result.adminId,
      organization_id: result.organization.id,
      organization_name: result.organization.name,
    });
  },
  { body: "json" },
);
