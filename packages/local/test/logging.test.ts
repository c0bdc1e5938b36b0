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

  it("a line core writes while serving a request names that request, however many run at once", async () => {
    // Each sign-up mails its owner a verification link; with no mail configured, core logs the
    // mail instead — the line a developer follows locally — while the other sign-ups are served.
    const emails = Array.from({ length: 8 }, (_, n) => `logged-${n}-${Date.now().toString(36)}@example.com`);
    const answers = await Promise.all(
      emails.map((email, n) =>
        call("POST", "/org/create", {
          json: { organization_name: `Logged ${n} ${Date.now().toString(36)}`, email, password: "password-123" },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(emails.map(() => 201));
    const records = capture.records();
    for (const [n, email] of emails.entries()) {
      // API Gateway's own header, which the local server sends too: the request's id.
      const requestId = answers[n]!.headers.get("apigw-requestid");
      expect(requestId, email).toMatch(/^[0-9a-f-]{36}$/);
      const mail = records.filter((record) => String(record.message).startsWith("mail") && record.to === email);
      expect(mail, email).toHaveLength(1);
      expect(mail[0]!.request_id, email).toBe(requestId);
      const access = records.filter((record) => record.message === "request" && record.request_id === requestId);
      expect(access.map((record) => record.route)).toEqual(["POST /org/create"]);
    }
  });
});
