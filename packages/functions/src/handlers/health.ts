import { pingDatabase } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { json } from "../http/respond";

/** GET /health — 200 once the database answers a ping, 503 otherwise. */
export const handler = httpEndpoint(
  async () =>
    (await pingDatabase()) ? json(200, { status: "ok" }) : json(503, { status: "unavailable" }, { "retry-after": "5" }),
  { body: "none" },
);
