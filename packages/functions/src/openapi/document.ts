import { createDocument, type ZodOpenApiPathsObject } from "zod-openapi";
import { routeKey, routes } from "../routes";
import { eventWebhooks } from "./event-payloads";
import { BEARER } from "./operation-parts";
import { operations, type RouteKey } from "./operations";

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the handlers validate with
 * (http/request-schemas.ts) and answer with (http/response-schemas.ts), for every route of the
 * route table.
 *
 * zod-openapi (pinned) rather than zod 4's bare `z.toJSONSchema`: it builds the whole document —
 * request bodies rendered as the input a schema accepts and responses as the output, query and path
 * parameters from an object schema, schemas with a `.meta({ id })` turned into shared components —
 * on top of zod's own JSON Schema conversion, and it targets OpenAPI 3.1 (JSON Schema 2020-12).
 *
 * No `servers`: clients resolve paths against the document's own URL, which is right for the
 * local server, the API Gateway URL and a custom domain alike.
 */
export function openApiDocument() {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const method = route.method.toLowerCase() as Lowercase<typeof route.method>;
    const operation = operations[routeKey(route) as RouteKey];
    // The scope a protected route requires, from the route table (as API Gateway enforces it).
    const scope = "scope" in route ? route.scope : undefined;
    const security = scope ? { security: [{ [BEARER]: [scope] }] } : {};
    paths[route.path] = { ...paths[route.path], [method]: { ...operation, ...security } };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "org-service",
      version: "1.0.0",
      description:
        "Multi-tenant organization management. Errors are RFC 9457 problem details (`application/problem+json`). " +
        "Log in with `POST /admin/login`, then send the access token as `Authorization: Bearer <token>` (the Authorize button); " +
        "`POST /auth/refresh` renews it with the refresh token before it expires.",
    },
    tags: [
      { name: "Organizations" },
      { name: "Members" },
      { name: "Data" },
      { name: "Authentication" },
      { name: "Sessions" },
      { name: "Account" },
      { name: "Machine clients" },
      { name: "Two-factor login" },
      { name: "Single sign-on" },
      { name: "Platform" },
      {
        name: "Events",
        description: "The feeds, webhook endpoints, and (top-level `webhooks`) every event's payload.",
      },
      { name: "Operations" },
      { name: "Documentation" },
      { name: "Dashboard" },
    ],
    components: {
      securitySchemes: {
        [BEARER]: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "The `access_token` of `POST /admin/login` (RS256, verified by API Gateway's JWT authorizer).",
        },
      },
    },
    paths,
    webhooks: eventWebhooks(),
  });
}

let cached: ReturnType<typeof openApiDocument> | undefined;

/** Generated once per container. */
export function cachedOpenApiDocument(): ReturnType<typeof openApiDocument> {
  cached ??= openApiDocument();
  return cached;
}
