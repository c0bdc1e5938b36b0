/**
 * The one route table. The SST stack builds an API Gateway route and a Lambda function from each
 * entry, and the local server dispatches requests with it, so the two cannot drift apart.
 *
 * Kept free of runtime imports: infrastructure code reads it at synth time without loading the
 * MongoDB driver or any handler.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a function needs bound to it at deploy time (secrets and the values derived from them). */
export type Capability = "database" | "signing-key";

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  /** Module under `packages/functions/src/handlers/`, exporting `handler`. */
  readonly handler: string;
  /** `jwt`: API Gateway's JWT authorizer must accept the bearer token before the handler runs. */
  readonly auth: "public" | "jwt";
  readonly needs: readonly Capability[];
}

export const routes = [
  { method: "POST", path: "/org/create", handler: "create-organization", auth: "public", needs: ["database"] },
  { method: "GET", path: "/org/get", handler: "get-organization", auth: "public", needs: ["database", "signing-key"] },
  { method: "POST", path: "/admin/login", handler: "login", auth: "public", needs: ["database", "signing-key"] },
  // Protected handlers verify the token again themselves (defence in depth), so they need the keys too.
  {
    method: "PUT",
    path: "/org/update",
    handler: "update-organization",
    auth: "jwt",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/delete",
    handler: "delete-organization",
    auth: "jwt",
    needs: ["database", "signing-key"],
  },
  { method: "GET", path: "/org/audit", handler: "organization-audit", auth: "jwt", needs: ["database", "signing-key"] },
  {
    method: "GET",
    path: "/org/collection",
    handler: "organization-collection",
    auth: "jwt",
    needs: ["database", "signing-key"],
  },
  { method: "GET", path: "/health", handler: "health", auth: "public", needs: ["database"] },
  {
    method: "GET",
    path: "/.well-known/openid-configuration",
    handler: "openid-configuration",
    auth: "public",
    needs: [],
  },
  { method: "GET", path: "/.well-known/jwks.json", handler: "jwks", auth: "public", needs: ["signing-key"] },
  // What people and tools read: the OpenAPI document, Swagger UI on it, and the dashboard.
  // `{asset}` is one path segment, as API Gateway matches it (the local server does the same).
  { method: "GET", path: "/openapi.json", handler: "openapi", auth: "public", needs: [] },
  { method: "GET", path: "/docs", handler: "docs", auth: "public", needs: [] },
  { method: "GET", path: "/docs/{asset}", handler: "docs", auth: "public", needs: [] },
  { method: "GET", path: "/", handler: "dashboard", auth: "public", needs: [] },
  { method: "GET", path: "/dashboard/{asset}", handler: "dashboard", auth: "public", needs: [] },
] as const satisfies readonly Route[];

export const routeKey = (route: Pick<Route, "method" | "path">): string => `${route.method} ${route.path}`;
