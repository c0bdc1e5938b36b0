import { openIdConfiguration } from "@org-service/core";
import { httpHandler } from "./http/handler";
import { json } from "./http/respond";

/** GET /.well-known/openid-configuration — where API Gateway's JWT authorizer finds the JWKS. */
export const handler = httpHandler(
  async () => json(200, openIdConfiguration(), { "cache-control": "public, max-age=3600" }),
  {
    body: "none",
  },
);
