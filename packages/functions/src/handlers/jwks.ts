import { jsonWebKeySet } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { json } from "../http/respond";

/**
 * GET /.well-known/jwks.json — the public signing keys (current and, during a rotation, previous).
 * A short cache: clients pick up a rotation within minutes.
 */
export const handler = httpEndpoint(
  async () => json(200, await jsonWebKeySet(), { "cache-control": "public, max-age=300" }),
  {
    body: "none",
  },
);
