import { httpEndpoint } from "../http/endpoint";
import { json } from "../http/respond";
import { cachedOpenApiDocument } from "../openapi/document";

/** GET /openapi.json — the OpenAPI 3.1 document of this API, generated from its zod schemas. */
export const handler = httpEndpoint(
  async () => json(200, cachedOpenApiDocument(), { "cache-control": "public, max-age=300" }),
  {
    body: "none",
  },
);
