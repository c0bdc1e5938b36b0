import { closeDatabase } from "@org-service/core";
import { useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { handler as getOrganization } from "../src/handlers/get-organization";
import { captureLogLines, createLogger, type LogCapture } from "@org-service/core/testing";
import { redact } from "@org-service/core/logger";
import { handler as login } from "../src/handlers/login";
import { handler as collection } from "../src/handlers/organization-collection";
import { authFor, signUp } from "./support/admin";
import { invoke } from "./support/invoke";

// Before any import creates the logger: this file reads the INFO lines (the project's config says WARN).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
});

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

/** The JSON lines the handlers write to stdout, and stderr for errors (Lambda sends both to CloudWatch). */
let capture: LogCapture;
beforeEach(() => {
  capture = captureLogLines();
});
afterEach(() => capture.stop());
const records = () => capture.records();

describe("structured request logs", () => {
  it("one JSON line per request: request id, route, status, latency, organization id; never the password or the token", async () => {
    const { email, password } = await signUp();
    capture.clear();
    const session = await invoke(login, {
      method: "POST",
      path: "/admin/login",
      routeKey: "POST /admin/login",
      requestId: "req-login-1",
      json: { email, password },
    });
    expect(session.status).toBe(200);
    const token = String(session.json.access_token);
    const auth = authFor(token);
    await invoke(collection, {
      method: "GET",
      path: "/org/collection",
      routeKey: "GET /org/collection",
      requestId: "req-collection-1",
      ...auth,
    });
    await invoke(getOrganization, {
      method: "GET",
      path: "/org/get",
      routeKey: "GET /org/get",
      requestId: "req-get-1",
      rawQueryString: "organization_name=Nobody%20Here",
    });

    const logged = records().filter((record) => record.message === "request");
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatchObject({
      level: "INFO",
      service: "org-service",
      request_id: "req-login-1",
      function_request_id: "req-login-1",
      route: "POST /admin/login",
      method: "POST",
      path: "/admin/login",
      status: 200,
      latency_ms: expect.any(Number),
      timestamp: expect.any(String),
    });
    expect(logged[0]).not.toHaveProperty("organization_id"); // login is public: no authorizer claims
    expect(logged[1]).toMatchObject({
      request_id: "req-collection-1",
      route: "GET /org/collection",
      status: 200,
      organization_id: auth.claims.org,
    });
    expect(logged[2]).toMatchObject({ request_id: "req-get-1", route: "GET /org/get", status: 404 });
    expect(logged[2]!.latency_ms as number).toBeGreaterThanOrEqual(0);

    const everything = capture.lines.join("\n");
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split(".")[2]);
    expect(everything).not.toMatch(/\$2[aby]\$|mongodb:\/\/|Nobody/);
  });

  it("an unexpected error: one ERROR line with a scrubbed stack, and the request line with status 500", async () => {
    const secretUri = "mongodb://admin:s3cr3t@db.example:27017/x";
    const previous = process.env.MONGODB_URI;
    process.env.MONGODB_URI = "not-a-connection-string";
    const { resetConfig } = await import("@org-service/core");
    resetConfig();
    await closeDatabase();
    try {
      const result = await invoke(getOrganization, {
        method: "GET",
        path: "/org/get",
        routeKey: "GET /org/get",
        rawQueryString: "organization_name=Acme",
        requestId: "req-unexpected-1",
      });
      expect(result.status).toBe(500);
    } finally {
      process.env.MONGODB_URI = previous;
      resetConfig();
    }
    const errorLine = records().find((record) => record.level === "ERROR");
    expect(errorLine).toMatchObject({
      message: "unexpected error",
      // Named by the line itself, not only by the logger's Lambda context (absent where invocations run at once).
      request_id: "req-unexpected-1",
      error: { name: expect.any(String), stack: expect.stringContaining("at ") },
    });
    expect(records().find((record) => record.message === "request")).toMatchObject({ status: 500 });
    expect(redact(`failed to reach ${secretUri}`)).toBe("failed to reach mongodb://[redacted]");
    expect(capture.lines.join("\n")).not.toContain("s3cr3t");
  });

  it("takes its level from POWERTOOLS_LOG_LEVEL or LOG_LEVEL, INFO by default", () => {
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "");
    vi.stubEnv("LOG_LEVEL", "");
    expect(createLogger().getLevelName()).toBe("INFO");
    vi.stubEnv("LOG_LEVEL", "WARN");
    expect(createLogger().getLevelName()).toBe("WARN");
    vi.stubEnv("POWERTOOLS_LOG_LEVEL", "ERROR");
    expect(createLogger().getLevelName()).toBe("ERROR");
    vi.unstubAllEnvs();
  });

  it("scrubs anything shaped like a secret from error texts", () => {
    const hash = `$2b$12$${"a".repeat(53)}`;
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const text = redact(`uri mongodb+srv://u:p@cluster.example/db hash ${hash} token ${jwt}`);
    expect(text).not.toMatch(/u:p@|\$2b\$|eyJ/);
  });
});
