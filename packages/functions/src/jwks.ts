import { jsonWebKeySet } from "@org-service/core";
import { httpHandler } from "./http/handler";
import { json } from "./http/respond";

/**
 * GET /.well-known/jwks.json — the public signing keys (current and, during a rotation, previous).
 * A short cache: clients pick up a rotation within minutes.
 */
export const handler = httpHandler(
  async () => json(200, await jsonWebKeySet(), { "cache-control": "public, max-age=300" }),
  {
    body: "none",
  },
);
