import { afterEach, expect, it } from "vitest";
import { loggedIn } from "./support/client";
import { httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/** The document API's refusals of what would reach past a tenant's document, over real HTTP. */
const server = useLocalServer();
const call = httpClient(server.url);
const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;
afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).suspended;
});

async function organization(): Promise<{ token: string }> {
  const email = `owner.${unique()}@attacks.example`;
  const created = await call("POST", "/org/create", {
    json: { organization_name: `Tenant ${unique()}`, email, password: PASSWORD },
  });
  expect(created.status, created.text).toBe(201);
  return { token: (await loggedIn(server, { email, password: PASSWORD })).tokens!.accessToken };
}

it("one tenant's patch through __proto__ is a 422, and another tenant is served as before", async () => {
  const attacker = await organization();
  const victim = await organization();
  expect((await call("POST", "/org/data/documents", { token: victim.token, json: { _id: "mine" } })).status).toBe(201);
  expect((await call("POST", "/org/data/documents", { token: attacker.token, json: { _id: "x" } })).status).toBe(201);
  const patched = await call("PATCH", "/org/data/documents/x", {
    token: attacker.token,
    json: { $set: { "__proto__.suspended": { reason: "every tenant" } } },
  });
  expect(patched.status, patched.text).toBe(422);
  expect(patched.json.errors).toEqual([
    { path: "$set.__proto__.suspended", message: "a field path may not go through __proto__" },
  ]);
  const answer = await call("GET", "/org/data/documents/mine", { token: victim.token });
  expect(answer.status, answer.text).toBe(200);
});

it("a patch at an array index no document could hold is a 413, answered at once", async () => {
  const { token } = await organization();
  expect((await call("POST", "/org/data/documents", { token, json: { _id: "arr", list: [1] } })).status).toBe(201);
  const answer = await call("PATCH", "/org/data/documents/arr", { token, json: { $set: { "list.4294967294": 1 } } });
  expect(answer.status, answer.text).toBe(413);
});

it("an empty $set and an index on _id are 422s, not 500s", async () => {
  const { token } = await organization();
  expect((await call("POST", "/org/data/documents", { token, json: { _id: "e", a: 1 } })).status).toBe(201);
  const empty = await call("PATCH", "/org/data/documents/e", { token, json: { $set: {} } });
  expect(empty.status, empty.text).toBe(422);
  const index = await call("POST", "/org/data/indexes", { token, json: { keys: { _id: 1 }, unique: true } });
  expect(index.status, index.text).toBe(422);
});
