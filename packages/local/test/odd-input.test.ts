import { expect, it } from "vitest";
import { httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * Odd values on the routes of accounts and sessions — types a schema does not expect, operators,
 * NULs, lone surrogates, over-long strings, bodies that are not objects — are each a 4xx with a
 * problem, never a 5xx: over real HTTP, on the real database (FerretDB on PostgreSQL refuses a
 * NUL in a document, so one that reached a write would be a 500).
 */
const server = useLocalServer({ bcryptCost: 4 });
const call = httpClient(server.url);
const PASSWORD = "password-123";

it("a login whose email holds a control character is a 422 at `email`", async () => {
  const answer = await call("POST", "/admin/login", { json: { email: "a\u0000@odd.example", password: PASSWORD } });
  expect(answer.status, answer.text).toBe(422);
  expect(answer.json.errors).toEqual([{ path: "email", message: "must not contain control characters" }]);
});

it("no route of accounts and sessions answers 5xx to odd values", async () => {
  const n = Date.now();
  const email = `odd.${n}@odd.example`;
  const name = `Odd ${n}`;
  expect(
    (await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } })).status,
  ).toBe(201);
  const token = (await call("POST", "/admin/login", { json: { email, password: PASSWORD } })).json
    .access_token as string;
  const odd: unknown[] = [null, [], {}, 1, "x", true, { $ne: null }, "\u0000", "a".repeat(600), "𝒜", "\ud800"];
  const bodies: [method: string, path: string, body: (value: unknown) => unknown, signedIn: boolean][] = [
    ["POST", "/admin/login", (value) => ({ email: value, password: value }), false],
    ["POST", "/admin/login", (value) => ({ email, password: value }), false],
    ["POST", "/admin/login", (value) => ({ email: value, password: PASSWORD, organization_name: value }), false],
    ["POST", "/auth/refresh", (value) => ({ refresh_token: value }), false],
    ["POST", "/auth/mfa", (value) => ({ mfa_token: value, code: value }), false],
    ["POST", "/auth/mfa", (value) => ({ mfa_token: value, recovery_code: value }), false],
    ["POST", "/auth/password-reset", (value) => ({ email: value }), false],
    ["POST", "/auth/password-reset/confirm", (value) => ({ token: value, password: value }), false],
    ["POST", "/auth/verify-email", (value) => ({ token: value }), false],
    ["POST", "/auth/confirm-email", (value) => ({ token: value }), false],
    ["POST", "/auth/confirm-email", (value) => ({ token: value }), true],
    ["POST", "/auth/switch", (value) => ({ organization_name: value }), true],
    ["POST", "/me/mfa/totp/verify", (value) => ({ code: value }), true],
    ["DELETE", "/me/mfa/totp", (value) => ({ code: value }), true],
    ["DELETE", "/me/mfa/totp", (value) => ({ password: value }), true],
    ["PUT", "/org/update", (value) => ({ organization_name: name, email: value, current_password: value }), true],
    ["PUT", "/org/update", (value) => ({ organization_name: name, password: value, current_password: value }), true],
  ];
  const failures: string[] = [];
  const expectNo5xx = async (label: string, answer: Promise<{ status: number }>) => {
    const { status } = await answer;
    if (status >= 500) failures.push(`${label} → ${status}`);
  };
  for (const [method, path, body, signedIn] of bodies) {
    const auth = signedIn ? { token } : {};
    for (const value of odd) {
      await expectNo5xx(
        `${method} ${path} ${JSON.stringify(body(value)).slice(0, 80)}`,
        call(method, path, { json: body(value), ...auth }),
      );
    }
    for (const raw of ["", "null", "[]", '"s"', "{", "1"]) {
      const headers = { "content-type": "application/json" };
      await expectNo5xx(`${method} ${path} raw ${raw}`, call(method, path, { body: raw, headers, ...auth }));
    }
  }
  for (const query of [
    "?limit=abc",
    "?limit=0",
    "?limit=1e400",
    "?limit=-1",
    "?cursor=x",
    "?cursor=999999999999999_aaaaaaaaaaaaaaaaaaaaaaaa",
  ]) {
    await expectNo5xx(`GET /me/sessions${query}`, call("GET", `/me/sessions${query}`, { token }));
  }
  for (const id of ["x", "aaaaaaaaaaaaaaaaaaaaaaaa", "%00", "AAAAAAAAAAAAAAAAAAAAAAAA"]) {
    await expectNo5xx(`DELETE /me/sessions/${id}`, call("DELETE", `/me/sessions/${id}`, { token }));
  }
  expect(failures).toEqual([]);
});
