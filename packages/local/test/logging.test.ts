import { captureLogLines, type LogCapture } from "@org-service/core/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { byName, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

// Before any import creates the logger: this file reads the INFO lines (the project's config says WARN).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
});

const server = useLocalServer();
const call = httpClient(server.url);

let capture: LogCapture;
beforeEach(() => {
  capture = captureLogLines();
});
afterEach(() => capture.stop());

describe("the local server's logs", () => {
  it("requests served at once each log under their own id: no line names another request", async () => {
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, n) => call("GET", `/org/get${byName(`Nobody ${n}`)}`)),
    );
    expect(answers.every((answer) => answer.status === 404)).toBe(true);
    const lines = capture.records().filter((record) => record.message === "request");
    expect(lines).toHaveLength(24);
    expect(new Set(lines.map((line) => line.request_id)).size).toBe(24);
    // The logger's one Lambda context would name whichever request started last: the local server
    // runs them at once, so no line carries one.
    for (const line of capture.records()) expect(line).not.toHaveProperty("function_request_id");
  });
});
