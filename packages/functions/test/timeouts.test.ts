import { closeDatabase } from "@org-service/core";
import { captureLogLines, useIsolatedDatabases } from "@org-service/core/testing";
import { createServer, type Server, type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { handler as getOrganization } from "../src/handlers/get-organization";
import { signUp } from "./support/admin";
import { invoke } from "./support/invoke";

// Before any import creates the logger: this file reads the ERROR lines it writes.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
});

/**
 * A database that answers slowly: a TCP proxy on loopback in front of the real server, holding
 * back every answer by `delayMs` once asked to. The service talks to it as to any MongoDB.
 */
async function slowDatabaseProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let delayMs = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (delayMs === 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), delayMs);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    uri: `mongodb://127.0.0.1:${proxyPort}/`,
    slowDown(ms: number) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const proxy = await slowDatabaseProxy(inject("mongodbUri"));
const databases = useIsolatedDatabases(proxy.uri);
afterAll(async () => {
  proxy.slowDown(0);
  await databases.drop();
  await closeDatabase();
  await proxy.close();
});

describe("a request that runs out of time", () => {
  let name: string;
  beforeAll(async () => {
    ({ name } = await signUp());
  });

  it("answers 503 timeout with Retry-After, and is logged once as a timeout naming its route and limit", async () => {
    // Warm: the connection and the organization's lookup work at full speed.
    const lookup = {
      method: "GET",
      path: "/org/get",
      routeKey: "GET /org/get",
      rawQueryString: new URLSearchParams({ organization_name: name }).toString(),
    };
    expect((await invoke(getOrganization, { ...lookup, requestId: "req-warm" })).status).toBe(200);

    proxy.slowDown(400);
    const logs = captureLogLines();
    let answer: Awaited<ReturnType<typeof invoke>>;
    try {
      answer = await invoke(getOrganization, { ...lookup, requestId: "req-slow", timeoutMs: 150 });
    } finally {
      logs.stop();
      proxy.slowDown(0);
    }
    expect(answer.status).toBe(503);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(answer.headers["retry-after"]).toBe("5");
    expect(answer.json).toMatchObject({ type: "urn:org-service:problem:timeout", status: 503 });
    const errors = logs.records().filter((record) => record.level === "ERROR");
    expect(errors).toEqual([
      expect.objectContaining({ message: "timeout", route: "GET /org/get", request_id: "req-slow" }),
    ]);
    expect(errors[0]!.limit_ms).toBeGreaterThan(100);
    expect(errors[0]!.limit_ms).toBeLessThanOrEqual(150);
    expect(logs.records().find((record) => record.message === "request")).toMatchObject({ status: 503 });
  });
});
