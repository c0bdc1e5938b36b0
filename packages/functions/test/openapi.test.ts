import {
  clientCredentialsGrant,
  closeDatabase,
  createPlatformClient,
  exportsInProcessSettled,
  removeTemporaryArchives,
} from "@org-service/core";
import { totpCode, useIsolatedDatabases } from "@org-service/core/testing";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type * as z from "zod/mini";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";
import { openApiDocument } from "../src/openapi/document";
import { operations, type RouteKey } from "../src/openapi/operations";
import { routeKey, routes, type Route } from "../src/routes";
import { authFor, signUp, unique } from "./support/admin";
import { invoke, type Invocation } from "./support/invoke";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  // The export the probes start runs in this process: its archive goes with the run's directory.
  await exportsInProcessSettled();
  await removeTemporaryArchives();
  await databases.drop();
  await closeDatabase();
});

type Handler = Parameters<typeof invoke>[0];
const handlerOf = async (route: Route): Promise<Handler> =>
  ((await import(`../src/handlers/${route.handler}.ts`)) as { handler: Handler }).handler;

// Loosely typed views of the document, for reading it.
interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
const document = openApiDocument() as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};
const operationOf = (route: Route): Operation | undefined => document.paths[route.path]?.[route.method.toLowerCase()];

/** The zod schema the document gives for this route, status and media type (fails when undocumented). */
function documentedSchema(key: string, status: number, mediaType = "application/json"): z.ZodMiniType {
  const operation = (operations as Record<string, ZodOpenApiOperationObject>)[key];
  const response = operation?.responses[String(status) as `2${string}`] as ZodOpenApiResponseObject | undefined;
  const schema = response?.content?.[mediaType]?.schema;
  if (!schema || !("parse" in (schema as object))) throw new Error(`${key} documents no ${status} ${mediaType} answer`);
  return schema as z.ZodMiniType;
}

function expectDocumented(key: string, result: Invocation): void {
  const mediaType = (result.headers["content-type"] ?? "").split(";")[0]!;
  const parsed = documentedSchema(key, result.status, mediaType).safeParse(result.json);
  expect(parsed.error, `${key} ${result.status}: ${result.text}`).toBeUndefined();
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(openApiDocument() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect((openApiDocument() as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("is served at GET /openapi.json", async () => {
    const { handler } = await import("../src/handlers/openapi");
    const result = await invoke(handler, { method: "GET", path: "/openapi.json" });
    expect(result.status).toBe(200);
    expect(result.headers["content-type"]).toBe("application/json");
    expect(result.json).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("declares bearer JWT authentication", () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
  });
});

describe("every route of the route table is documented", () => {
  let auth: ReturnType<typeof authFor>;
  /** A platform client's, for the platform routes (a user's token is refused there before any input is read). */
  let platformAuth: ReturnType<typeof authFor>;
  beforeAll(async () => {
    auth = (await signUp()).auth;
    const client = await createPlatformClient({ name: "openapi probe", scopes: ["platform:read", "platform:write"] });
    const { accessToken } = await clientCredentialsGrant({
      grantType: "client_credentials",
      clientId: client.clientId,
      clientSecret: client.secret.secret,
      scope: undefined,
    });
    platformAuth = authFor(accessToken);
  });

  /**
   * Invoke a route's handler as API Gateway would, with the claims and token of an admin on
   * protected routes (a session of its own for logout, which ends it).
   */
  async function probe(
    route: Route,
    request: { rawQueryString?: string; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<Invocation> {
    const credentials =
      route.handler === "logout" ? (await signUp()).auth : route.path.startsWith("/platform/") ? platformAuth : auth;
    return invoke(await handlerOf(route), {
      method: route.method,
      path: route.path,
      routeKey: routeKey(route),
      ...(route.auth === "jwt" && credentials),
      ...request,
    });
  }
  const rejectsField = (result: Invocation, field: string) =>
    result.status === 422 &&
    (result.json.errors as { path: string }[] | undefined)?.some((issue) => issue.path === field) === true;

  describe.each(routes.map((route) => [routeKey(route), route] as const))("%s", (key, route) => {
    it("has an operation with an id, a summary and a 2xx answer with content", () => {
      const operation = operationOf(route);
      expect(operation, `${key} is missing from the document`).toBeDefined();
      expect(operation!.operationId).toEqual(expect.any(String));
      expect(operation!.summary).toEqual(expect.any(String));
      const success = Object.entries(operation!.responses).filter(([status]) => status.startsWith("2"));
      const redirects = Object.entries(operation!.responses).filter(([status]) => status.startsWith("3"));
      // A browser navigation (single sign-on's start and callback) answers a redirect, never content.
      if (success.length === 0 && redirects.length > 0) {
        for (const [, response] of redirects) {
          expect((response as { headers?: Record<string, unknown> }).headers).toHaveProperty("location");
        }
        return;
      }
      expect(success.length).toBeGreaterThan(0);
      for (const [, response] of success) expect(Object.keys(response.content ?? {}).length).toBeGreaterThan(0);
    });

    it("declares the security its route has", () => {
      const { security } = operationOf(route)!;
      // A protected route requires its scope, as API Gateway does; some public ones take an optional token.
      if (route.auth === "jwt") expect(security).toEqual([{ bearer: [route.scope] }]);
      else if (
        ["GET /org/get", "POST /org/create", "POST /invitations/accept", "POST /auth/confirm-email"].includes(key)
      )
        expect(security).toEqual([{}, { bearer: [] }]);
      else expect(security).toEqual([]);
      if (route.auth === "jwt") expect(operationOf(route)!.responses["401"]).toBeDefined();
    });

    it("documents every error answer as application/problem+json with the problem schema", () => {
      const { responses } = operationOf(route)!;
      expect(responses["429"]).toBeDefined();
      expect(responses["500"]).toBeDefined();
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]/.test(status) || (key === "GET /health" && status === "503")) continue;
        // The OAuth token endpoint answers its refusals as RFC 6749 §5.2 objects, as OAuth clients read them.
        if (key === "POST /oauth/token" && /^4/.test(status)) {
          expect(response.content?.["application/json"]?.schema?.$ref, `${key} ${status}`).toBe(
            "#/components/schemas/OAuthError",
          );
          continue;
        }
        expect(response.content?.["application/problem+json"]?.schema?.$ref, `${key} ${status}`).toBe(
          "#/components/schemas/Problem",
        );
      }
    });

    it("declares its path variables", () => {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operationOf(route)!.parameters ?? []).filter((parameter) => parameter.in === "path");
      expect(declared.map((parameter) => parameter.name).sort()).toEqual(names.sort());
      for (const parameter of declared) expect(parameter.required).toBe(true);
    });

    it("declares a request body exactly when the handler reads one, with its errors", async () => {
      const operation = operationOf(route)!;
      if (key === "POST /oauth/token") {
        // A form, as RFC 6749 has it; oauth-token.test.ts tries what it refuses.
        expect(Object.keys(operation.requestBody!.content)).toEqual(["application/x-www-form-urlencoded"]);
        return;
      }
      // A body of a strict schema refuses an unknown field; a document (any JSON object) is read when
      // the handler refuses a body that is not declared as JSON.
      const readsBody =
        route.method !== "GET" &&
        (rejectsField(await probe(route, { json: { zzz_unknown: 1 } }), "zzz_unknown") ||
          (await probe(route, { body: "zzz", headers: { "content-type": "text/plain" } })).status === 415);
      expect(operation.requestBody !== undefined, `${key}: handler reads a body: ${readsBody}`).toBe(readsBody);
      if (!readsBody) return;
      // The restore takes an archive as well (its gzip is tried over HTTP: local's archives.test.ts).
      expect(Object.keys(operation.requestBody!.content)).toEqual(
        key === "POST /platform/organizations/restore"
          ? ["application/json", "application/gzip"]
          : ["application/json"],
      );
      for (const status of ["400", "413", "415", "422"])
        expect(operation.responses[status], `${key} ${status}`).toBeDefined();
    });

    it("declares query parameters when the handler validates the query", async () => {
      const validatesQuery = rejectsField(await probe(route, { rawQueryString: "zzz_unknown=1" }), "zzz_unknown");
      if (!validatesQuery) return;
      const query = (operationOf(route)!.parameters ?? []).filter((parameter) => parameter.in === "query");
      expect(query.length, `${key} validates its query but documents no query parameter`).toBeGreaterThan(0);
      expect(operationOf(route)!.responses["422"]).toBeDefined();
    });
  });
});

describe("real answers match the documented schemas", () => {
  it("through the life of an organization, and its errors", async () => {
    const call = async (
      key: RouteKey,
      request: Parameters<typeof invoke>[1] extends infer R ? Omit<R & object, "method" | "path"> : never,
    ) => {
      const route = routes.find((candidate) => routeKey(candidate) === key)!;
      const result = await invoke(await handlerOf(route), {
        method: route.method,
        path: route.path,
        routeKey: key,
        ...request,
      });
      expectDocumented(key, result);
      return result;
    };
    const name = `Documented ${unique()}`;
    const email = `doc.${unique()}@example.com`;
    await call("POST /org/create", { json: { organization_name: name, email, password: "password-123" } });
    await call("POST /org/create", { json: { organization_name: name, email: `x${email}`, password: "password-123" } }); // 409
    await call("POST /org/create", { json: { organization_name: "", email: "nope", password: "x" } }); // 422
    await call("POST /org/create", { headers: { "content-type": "application/json" }, body: "{" }); // 400
    await call("POST /org/create", { headers: { "content-type": "text/plain" }, body: "hello" }); // 415
    await call("POST /admin/login", { json: { email, password: "wrong-password" } }); // 401
    const session = await call("POST /admin/login", { json: { email, password: "password-123" } });
    const auth = authFor(String(session.json.access_token));
    await call("GET /org/get", { rawQueryString: new URLSearchParams({ organization_name: name }).toString() });
    await call("GET /org/get", {
      rawQueryString: new URLSearchParams({ organization_name: name }).toString(),
      headers: auth.headers,
    });
    await call("GET /org/get", { rawQueryString: "organization_name=Nobody%20Here" }); // 404
    await call("GET /org/collection", auth);
    await call("GET /org/collection", {}); // 401
    await call("GET /org/audit", auth);
    const other = await signUp();
    await call("PUT /org/update", {
      ...auth,
      json: { organization_name: other.name, new_organization_name: "Taken Over" },
    }); // 403
    const renamed = `${name} Renamed`;
    await call("PUT /org/update", { ...auth, json: { organization_name: name, new_organization_name: renamed } });
    const wrongCurrent = await call("PUT /org/update", {
      ...auth,
      json: { organization_name: renamed, password: "password-456", current_password: "wrong-password" },
    });
    expect(wrongCurrent.status).toBe(401);
    const changed = await call("PUT /org/update", {
      ...auth,
      json: { organization_name: renamed, password: "password-456", current_password: "password-123" },
    });
    expect(changed.json.access_token).toEqual(expect.any(String));
    const fresh = authFor(String(changed.json.access_token));
    await call("DELETE /org/delete", {
      ...fresh,
      rawQueryString: new URLSearchParams({ organization_name: renamed }).toString(),
    });
    await call("GET /health", {});
    await call("GET /.well-known/openid-configuration", {});
    await call("GET /.well-known/jwks.json", {});
  });
  it("through a session's life and two-factor login", async () => {
    const call = async (
      key: RouteKey,
      request: Parameters<typeof invoke>[1] extends infer R ? Omit<R & object, "method" | "path"> : never,
    ) => {
      const route = routes.find((candidate) => routeKey(candidate) === key)!;
      const path = route.path.replace("{session_id}", String(request.pathParameters?.session_id ?? ""));
      const result = await invoke(await handlerOf(route), { method: route.method, path, routeKey: key, ...request });
      expectDocumented(key, result);
      return result;
    };
    const { email, password, session, auth } = await signUp();
    const other = await signUp();
    const refreshed = await call("POST /auth/refresh", { json: { refresh_token: session.json.refresh_token } });
    await call("POST /auth/refresh", { json: { refresh_token: session.json.refresh_token } }); // 401: reuse
    await call("POST /auth/refresh", { json: {} }); // 422
    expect(refreshed.json.session_id).toBe(session.json.session_id);
    const second = await call("POST /admin/login", { json: { email, password } });
    const current = authFor(String(second.json.access_token));
    await call("GET /me/sessions", current);
    await call("DELETE /me/sessions/{session_id}", {
      ...current,
      pathParameters: { session_id: String(other.session.json.session_id) },
    }); // 404
    await call("DELETE /me/sessions/{session_id}", {
      ...current,
      pathParameters: { session_id: "not-an-id" },
    }); // 422
    const third = await call("POST /admin/login", { json: { email, password } });
    await call("DELETE /me/sessions/{session_id}", {
      ...current,
      pathParameters: { session_id: String(third.json.session_id) },
    });
    await call("DELETE /me/sessions", current);
    await call("GET /me/sessions", auth); // 401: revoked by the reuse

    const enrollment = await call("POST /me/mfa/totp", current);
    await call("POST /me/mfa/totp/verify", { ...current, json: { code: "000000" } }); // 401
    const enabled = await call("POST /me/mfa/totp/verify", {
      ...current,
      json: { code: totpCode(String(enrollment.json.secret)) },
    });
    expect(enabled.json.recovery_codes).toHaveLength(10);
    await call("POST /me/mfa/totp", current); // 409
    const step = await call("POST /admin/login", { json: { email, password } });
    expect(step.json.mfa_required).toBe(true);
    await call("POST /auth/mfa", { json: { mfa_token: step.json.mfa_token } }); // 422: no code
    await call("POST /auth/mfa", { json: { mfa_token: step.json.mfa_token, code: "000000" } }); // 401
    const completed = await call("POST /auth/mfa", {
      json: { mfa_token: step.json.mfa_token, recovery_code: (enabled.json.recovery_codes as string[])[0] },
    });
    const mfaSession = authFor(String(completed.json.access_token));
    await call("DELETE /me/mfa/totp", { ...mfaSession, json: { password: "wrong-password" } }); // 401
    await call("DELETE /me/mfa/totp", { ...mfaSession, json: {} }); // 422
    await call("DELETE /me/mfa/totp", { ...mfaSession, json: { password } });
    await call("DELETE /me/mfa/totp", { ...mfaSession, json: { password } }); // 404
    await call("POST /auth/logout", mfaSession);
    await call("POST /auth/logout", mfaSession); // 401
  });
});
