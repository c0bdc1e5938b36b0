import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { captureLogLines, type LogCapture } from "@org-service/core/testing";
import type { Context } from "aws-lambda";
import type { HttpEvent, HttpResult } from "../src/http/endpoint";
import { invoke } from "./support/invoke";

/**
 * A deployed function checks its configuration once per container: the environment it starts with
 * at init, the secrets when they are loaded from SSM on the first invocation. Either way a wrong
 * value answers every invocation with a 500 problem and one ERROR line naming the variable.
 * Each test loads the handler anew (vi.resetModules), as a new container would.
 */
const ssm = vi.hoisted(() => ({ imported: 0, values: {} as Record<string, string> }));

// Stands in for SST's SSM-backed client: importing the real one would call AWS.
vi.mock("sst/node/config", () => {
  ssm.imported += 1;
  return { Config: ssm.values };
});

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

const TOUCHED = [
  "LOGIN_MAX_FAILURES_PER_IP",
  "MONGODB_URI",
  "SST_Secret_value_MONGODB_URI",
  "JWT_PRIVATE_KEY",
  "SST_Secret_value_JWT_PRIVATE_KEY",
];
let saved: Record<string, string | undefined>;
let capture: LogCapture;

beforeEach(() => {
  saved = Object.fromEntries(TOUCHED.map((name) => [name, process.env[name]]));
  for (const name of TOUCHED) delete process.env[name];
  ssm.imported = 0;
  ssm.values = {};
  vi.resetModules();
  capture = captureLogLines();
});

afterEach(() => {
  capture.stop();
  vi.restoreAllMocks();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const errorLines = () =>
  capture.lines
    .map((line) => JSON.parse(line) as { level?: string; error?: { message?: string } })
    .filter((record) => record.level === "ERROR");

const expectMisconfigured = (result: Awaited<ReturnType<typeof invoke>>) => {
  expect(result.status).toBe(500);
  expect(result.headers["content-type"]).toBe("application/problem+json");
  expect(result.json).toMatchObject({ status: 500, detail: "The service is misconfigured." });
};

describe("a function's configuration", () => {
  it("is checked at init: a wrong value fails every invocation, even of a function that never reads it", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_IP = "1000000";
    const { handler } = (await import("../src/handlers/openapi")) as { handler: Handler };
    // What the container started with decides: AWS never changes a running container's environment.
    delete process.env.LOGIN_MAX_FAILURES_PER_IP;

    for (let invocation = 1; invocation <= 2; invocation++) {
      expectMisconfigured(await invoke(handler, { method: "GET", path: "/openapi.json" }));
      const errors = errorLines();
      expect(errors).toHaveLength(invocation);
      expect(errors.at(-1)?.error?.message).toBe(
        'Invalid configuration: LOGIN_MAX_FAILURES_PER_IP="1000000": too large; expected a whole number from 1 to 10000 (default 20)',
      );
    }
  });

  it("checks the secrets when they are loaded, not at init, and never shows their values", async () => {
    process.env.SST_Secret_value_MONGODB_URI = "__FETCH_FROM_SSM__";
    ssm.values.MONGODB_URI = "mysql://root:hunter2@db.example.com/";
    const { handler } = (await import("../src/handlers/health")) as { handler: Handler };
    expect(ssm.imported).toBe(0); // init reads no SSM parameter

    expectMisconfigured(await invoke(handler, { method: "GET", path: "/health" }));
    expect(ssm.imported).toBe(1);
    const errors = errorLines();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error?.message).toBe(
      'Invalid configuration: MONGODB_URI (secret, value not shown): not a MongoDB connection string; expected a connection string whose scheme is "mongodb" or "mongodb+srv"',
    );
    expect(capture.lines.join("\n")).not.toContain("hunter2");
  });

  it("fails the scheduled reconciler the same way: logged, and the invocation fails", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_IP = "abc";
    const { handler } = await import("../src/jobs/reconcile");
    await expect(handler()).rejects.toThrow(/LOGIN_MAX_FAILURES_PER_IP="abc": not a whole number/);
    expect(errorLines()).toHaveLength(1);
  });
});
