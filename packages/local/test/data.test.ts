import { type OrgServiceClient, pages, paginate } from "@org-service/client";
import { moveTenant, resetConfig, undoMove } from "@org-service/core";
import { afterEach, describe, expect, it } from "vitest";
import { loggedIn, refusal } from "./support/client";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/** The tenant document API over real HTTP: the local authorizer, the handlers, core, the database. */
const server = useLocalServer();
const call = httpClient(server.url);
const PASSWORD = "password-123";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

afterEach(() => {
  for (const name of ["TENANT_MAX_DOCUMENTS", "TENANT_MAX_INDEXES", "TENANT_DOCUMENT_MAX_BYTES"])
    delete process.env[name];
  resetConfig();
});

/** A new organization, its owner's session (the package's client) and access token. */
async function organization(): Promise<{ token: string; name: string; api: OrgServiceClient }> {
  const name = `Data ${unique()}`;
  const email = `owner.${unique()}@data.example`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  const session = await loggedIn(server, { email, password: PASSWORD });
  return { token: session.tokens!.accessToken, name, api: session.client };
}

function expectProblem(answer: HttpAnswer, status: number, type?: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toBe("application/problem+json");
  if (type) expect(answer.json.type).toBe(`urn:org-service:problem:${type}`);
}

describe("documents over HTTP", () => {
  // Through the package's typed client (packages/client), the list through its async iterator.
  it("insert, get, list, replace, patch, delete", async () => {
    const { api } = await organization();
    const user1 = { params: { path: { id: "user:1" } } };
    const { data: created, response } = await api.POST("/org/data/documents", {
      body: { _id: "user:1", name: "Ada", age: 36 },
    });
    expect(response.status).toBe(201);
    expect(created).toEqual({ _id: "user:1", name: "Ada", age: 36 });
    const { data: generated } = await api.POST("/org/data/documents", { body: { name: "Bob", age: 20 } });
    expect(generated._id).toMatch(/^[0-9a-f]{24}$/);

    expect((await api.GET("/org/data/documents/{id}", user1)).data).toEqual(created);
    const listed = [];
    const query = { filter: JSON.stringify({ age: { $gte: 30 } }), sort: "age", order: "desc", limit: 10 } as const;
    for await (const document of paginate(api, "/org/data/documents", { params: { query } })) listed.push(document);
    expect(listed).toEqual([created]);

    const { data: replaced } = await api.PUT("/org/data/documents/{id}", { ...user1, body: { name: "Ada L." } });
    expect(replaced).toEqual({ _id: "user:1", name: "Ada L." });
    const { data: patched } = await api.PATCH("/org/data/documents/{id}", {
      ...user1,
      body: { $set: { "address.city": "London" }, $unset: { name: "" } },
    });
    expect(patched).toEqual({ _id: "user:1", address: { city: "London" } });
    expect((await api.DELETE("/org/data/documents/{id}", user1)).data).toEqual({ deleted: true });
    expect(await refusal(api.GET("/org/data/documents/{id}", user1))).toMatchObject({
      status: 404,
      type: "urn:org-service:problem:not-found",
    });
  });

  it("pages with next_cursor until the last page", async () => {
    const { api } = await organization();
    for (let n = 0; n < 5; n++) await api.POST("/org/data/documents", { body: { _id: `p${n}`, n: 5 - n } });
    const seen: string[] = [];
    const sizes: number[] = [];
    for await (const page of pages(api, "/org/data/documents", { params: { query: { sort: "n", limit: 2 } } })) {
      sizes.push(page.documents.length);
      seen.push(...page.documents.map((document) => document._id));
    }
    expect(seen).toEqual(["p4", "p3", "p2", "p1", "p0"]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it("another organization's document is a 404 like a missing one, for every method", async () => {
    const mine = await organization();
    const theirs = await organization();
    await call("POST", "/org/data/documents", { token: theirs.token, json: { _id: "theirs", secret: "s3cret" } });
    const answers = [
      await call("GET", "/org/data/documents/theirs", { token: mine.token }),
      await call("PUT", "/org/data/documents/theirs", { token: mine.token, json: { x: 1 } }),
      await call("PATCH", "/org/data/documents/theirs", { token: mine.token, json: { $set: { x: 1 } } }),
      await call("DELETE", "/org/data/documents/theirs", { token: mine.token }),
    ];
    const missing = await call("GET", "/org/data/documents/never-was", { token: mine.token });
    for (const answer of answers) {
      expectProblem(answer, 404, "not-found");
      expect(answer.json).toEqual(missing.json);
    }
    const listed = await call("GET", `/org/data/documents?filter=${encodeURIComponent('{"_id":"theirs"}')}`, {
      token: mine.token,
    });
    expect(listed.text).not.toContain("s3cret");
    expect((await call("GET", "/org/data/documents/theirs", { token: theirs.token })).json.secret).toBe("s3cret");
  });

  it("answers every 4xx of the issue", async () => {
    const { token } = await organization();
    await call("POST", "/org/data/documents", { token, json: { _id: "taken" } });
    expectProblem(await call("POST", "/org/data/documents", { token, json: { _id: "taken" } }), 409, "conflict");
    const dollar = await call("POST", "/org/data/documents", { token, json: { a: { $where: "1" } } });
    expectProblem(dollar, 422, "validation-failed");
    expect(dollar.json.errors).toEqual([{ path: "a.$where", message: "a field name may not start with $" }]);
    expectProblem(await call("POST", "/org/data/documents", { token, json: { "a.b": 1 } }), 422);
    expectProblem(await call("POST", "/org/data/documents", { token, json: { _id: "bad id" } }), 422);
    let deep: unknown = 1;
    for (let level = 0; level < 21; level++) deep = { d: deep };
    expectProblem(await call("POST", "/org/data/documents", { token, json: deep }), 422);
    expectProblem(await call("POST", "/org/data/documents", { token, json: [1] }), 422);
    expectProblem(
      await call("POST", "/org/data/documents", { token, body: "{", headers: { "content-type": "application/json" } }),
      400,
    );
    expectProblem(
      await call("POST", "/org/data/documents", { token, body: "x", headers: { "content-type": "text/plain" } }),
      415,
    );
    const operator = await call("PATCH", "/org/data/documents/taken", { token, json: { $inc: { n: 1 } } });
    expectProblem(operator, 422);
    expect(operator.text).toContain("$inc");
    for (const name of ["$where", "$regex", "$expr", "$function", "$text", "$jsonSchema"]) {
      const filter = name === "$regex" ? { a: { $regex: "x" } } : { [name]: "x" };
      const answer = await call("GET", `/org/data/documents?filter=${encodeURIComponent(JSON.stringify(filter))}`, {
        token,
      });
      expectProblem(answer, 422);
      expect(answer.text).toContain(name);
    }
    expectProblem(await call("GET", "/org/data/documents?limit=101", { token }), 422);
    expectProblem(await call("GET", "/org/data/documents?order=up", { token }), 422);
    expectProblem(await call("GET", "/org/data/documents?cursor=garbage", { token }), 422);
    expectProblem(await call("DELETE", "/org/data/indexes/_id_", { token }), 422);
    expectProblem(await call("DELETE", "/org/data/indexes/nope_1", { token }), 404);
    expectProblem(await call("POST", "/org/data/indexes", { token, json: { keys: { a: 2 } } }), 422);
    expect((await call("GET", "/org/data/documents", {})).status).toBe(401);
  });

  it("413 for a document over TENANT_DOCUMENT_MAX_BYTES, and for a body past the route's limit", async () => {
    const { token } = await organization();
    const big = await call("POST", "/org/data/documents", { token, json: { text: "x".repeat(70 * 1024) } });
    expectProblem(big, 413, "payload-too-large");
    // Larger than the 64 KiB of other routes, within the document's limit: accepted.
    const escaped = await call("POST", "/org/data/documents", { token, json: { text: "\u0001".repeat(20 * 1024) } });
    expect(escaped.status, escaped.text).toBe(201);
    const huge = await call("POST", "/org/data/documents", { token, json: { text: "x".repeat(400 * 1024) } });
    expectProblem(huge, 413, "payload-too-large");
    expect(huge.json.detail).toContain(String(6 * 65_536 + 1024));
  });

  it("quota-exceeded: 403, nothing written; usage and indexes", async () => {
    const { token } = await organization();
    process.env.TENANT_MAX_DOCUMENTS = "1";
    process.env.TENANT_MAX_INDEXES = "1";
    resetConfig();
    expect((await call("POST", "/org/data/documents", { token, json: { _id: "one", email: "a" } })).status).toBe(201);
    const refused = await call("POST", "/org/data/documents", { token, json: { _id: "two" } });
    expectProblem(refused, 403, "quota-exceeded");
    expect(refused.json).toMatchObject({ quota: "max_documents", limit: 1 });
    expectProblem(await call("GET", "/org/data/documents/two", { token }), 404);

    const index = await call("POST", "/org/data/indexes", { token, json: { keys: { email: 1 }, unique: true } });
    expect(index.status, index.text).toBe(201);
    expect(index.json).toEqual({ name: "email_1", keys: { email: 1 }, unique: true });
    expectProblem(
      await call("POST", "/org/data/indexes", { token, json: { keys: { other: 1 } } }),
      403,
      "quota-exceeded",
    );
    expect((await call("GET", "/org/data/indexes", { token })).json).toEqual({ indexes: [index.json] });

    const usage = await call("GET", "/org/usage", { token });
    expect(usage.status, usage.text).toBe(200);
    expect(usage.json).toMatchObject({
      document_count: 1,
      index_count: 1,
      quotas: { max_documents: 1, max_data_bytes: 268_435_456, max_indexes: 1 },
    });
    expect(usage.json.data_bytes).toBeGreaterThan(0);
    expect((await call("DELETE", "/org/data/indexes/email_1", { token })).json).toEqual({ dropped: true });
    const audit = await call("GET", "/org/audit", { token });
    const actions = audit.json.entries.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(["data.index_created", "data.index_dropped", "data.quota_exceeded"]),
    );
    // GET /org/collection answers as before.
    expect((await call("GET", "/org/collection", { token })).json).toMatchObject({ document_count: 1 });
  });
});

describe("a tenant moving to a silo, over HTTP", () => {
  afterEach(() => {
    delete process.env.TENANT_MOVE_DRAIN_SECONDS;
    resetConfig();
  });

  it("shows members the placement; writes, renames and deletes answer 409 tenant-moving with Retry-After, reads work; undo lifts it", async () => {
    const { token, name } = await organization();
    expect((await call("POST", "/org/data/documents", { token, json: { _id: "kept", n: 1 } })).status).toBe(201);
    const query = `/org/get?organization_name=${encodeURIComponent(name)}`;
    expect((await call("GET", query, { token })).json.placement).toEqual({ cell: "default", tier: "pool" });
    expect((await call("GET", query)).json).not.toHaveProperty("placement");

    // Copied, then held by the drain period: the fence is up until the move can verify and switch.
    process.env.TENANT_MOVE_DRAIN_SECONDS = "600";
    resetConfig();
    const status = await moveTenant(
      { organizationName: name, toCell: "default", tier: "silo" },
      { waitForDrain: false },
    );
    expect(status.step).toBe("documents-copied");

    for (const [method, path, json] of [
      ["POST", "/org/data/documents", { n: 2 }],
      ["PUT", "/org/data/documents/kept", { n: 3 }],
      ["PATCH", "/org/data/documents/kept", { $set: { n: 4 } }],
      ["DELETE", "/org/data/documents/kept", undefined],
      ["POST", "/org/data/indexes", { keys: { n: 1 } }],
      ["PUT", "/org/update", { organization_name: name, new_organization_name: `${name} Renamed` }],
      ["DELETE", "/org/delete", { organization_name: name }],
    ] as const) {
      const refused = await call(method, path, { token, ...(json && { json }) });
      expectProblem(refused, 409, "tenant-moving");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect((await call("GET", "/org/data/documents/kept", { token })).json).toEqual({ _id: "kept", n: 1 });

    await undoMove(name, { graceSeconds: 0 });
    expect((await call("PATCH", "/org/data/documents/kept", { token, json: { $set: { n: 5 } } })).json).toEqual({
      _id: "kept",
      n: 5,
    });
    expect((await call("GET", query, { token })).json.placement).toEqual({ cell: "default", tier: "pool" });
  });
});
