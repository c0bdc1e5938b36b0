import { openIdConfiguration } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { json } from "../http/respond";

/** GET /.well-known/openid-configuration — where API Gateway's JWT authorizer finds the JWKS. */
export const handler = httpEndpoint(
  async () => json(200, openIdConfiguration(), { "cache-control": "public, max-age=3600" }),
  {
    body: "none",
  },
);
