import { closeDatabase, resetConfig } from "@org-service/core";
import { useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { handler as createIndex } from "../src/handlers/create-index";
import { handler as deleteDocument } from "../src/handlers/delete-document";
import { handler as dropIndex } from "../src/handlers/drop-index";
import { handler as getDocument } from "../src/handlers/get-document";
import { handler as insertDocument } from "../src/handlers/insert-document";
import { handler as listDocuments } from "../src/handlers/list-documents";
import { handler as listIndexes } from "../src/handlers/list-indexes";
import { handler as usage } from "../src/handlers/organization-usage";
import { handler as patchDocument } from "../src/handlers/patch-document";
import { handler as replaceDocument } from "../src/handlers/replace-document";
import {
  documentPageSchema,
  documentSchema,
  indexListSchema,
  indexSchema,
  problemSchema,
  usageSchema,
} from "../src/http/response-schemas";
import { signUp } from "./support/admin";
import { type Invocation, invoke } from "./support/invoke";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});
afterEach(() => {
  for (const name of ["TENANT_MAX_DOCUMENTS", "TENANT_DOCUMENT_MAX_BYTES"]) delete process.env[name];
  resetConfig();
});

type Auth = Awaited<ReturnType<typeof signUp>>["auth"];

const documentRequest = (auth: Auth, method: string, id: string, json?: unknown) => ({
  method,
  path: `/org/data/documents/${id}`,
  routeKey: `${method} /org/data/documents/{id}`,
  pathParameters: { id },
  ...auth,
  ...(json !== undefined && { json }),
});

function problem(result: Invocation, status: number, code?: string) {
  expect(result.status, result.text).toBe(status);
  expect(result.headers["content-type"]).toBe("application/problem+json");
  const parsed = problemSchema.parse(result.json);
  if (code) expect(parsed.type).toBe(`urn:org-service:problem:${code}`);
  return result.json;
}

describe("the document handlers", () => {
  it("answer documented shapes through a document's life", async () => {
    const { auth } = await signUp();
    const inserted = await invoke(insertDocument, {
      method: "POST",
      path: "/org/data/documents",
      ...auth,
      json: { _id: "h1", n: 1 },
    });
    expect(inserted.status, inserted.text).toBe(201);
    expect(documentSchema.parse(inserted.json)).toEqual({ _id: "h1", n: 1 });
    expect(documentSchema.parse((await invoke(getDocument, documentRequest(auth, "GET", "h1"))).json)).toEqual({
      _id: "h1",
      n: 1,
    });
    const replaced = await invoke(replaceDocument, documentRequest(auth, "PUT", "h1", { n: 2 }));
    expect(replaced.json).toEqual({ _id: "h1", n: 2 });
    const patched = await invoke(patchDocument, documentRequest(auth, "PATCH", "h1", { $set: { m: 3 } }));
    expect(patched.json).toEqual({ _id: "h1", n: 2, m: 3 });
    const listed = await invoke(listDocuments, {
      method: "GET",
      path: "/org/data/documents",
      rawQueryString: `filter=${encodeURIComponent('{"m":3}')}&limit=1`,
      ...auth,
    });
    expect(documentPageSchema.parse(listed.json)).toEqual({ documents: [{ _id: "h1", n: 2, m: 3 }] });
    expect((await invoke(deleteDocument, documentRequest(auth, "DELETE", "h1"))).json).toEqual({ deleted: true });
    const index = await invoke(createIndex, {
      method: "POST",
      path: "/org/data/indexes",
      ...auth,
      json: { keys: { n: -1 } },
    });
    expect(indexSchema.parse(index.json)).toEqual({ name: "n_-1", keys: { n: -1 }, unique: false });
    const indexes = await invoke(listIndexes, { method: "GET", path: "/org/data/indexes", ...auth });
    expect(indexListSchema.parse(indexes.json).indexes).toHaveLength(1);
    const dropped = await invoke(dropIndex, {
      method: "DELETE",
      path: "/org/data/indexes/n_-1",
      pathParameters: { name: "n_-1" },
      ...auth,
    });
    expect(dropped.json).toEqual({ dropped: true });
    expect(usageSchema.parse((await invoke(usage, { method: "GET", path: "/org/usage", ...auth })).json)).toMatchObject(
      {
        document_count: 0,
        index_count: 0,
      },
    );
  });

  it("answer every 4xx as a problem", async () => {
    const { auth } = await signUp();
    const insert = (json: unknown, headers?: Record<string, string>) =>
      invoke(insertDocument, {
        method: "POST",
        path: "/org/data/documents",
        ...auth,
        ...(headers ? { headers: { ...auth.headers, ...headers }, body: String(json) } : { json }),
      });
    expect((await insert({ _id: "taken" })).status).toBe(201);
    problem(await insert({ _id: "taken" }), 409, "conflict");
    expect(problem(await insert({ $set: 1 }), 422, "validation-failed").errors).toEqual([
      { path: "$set", message: "a field name may not start with $" },
    ]);
    problem(await insert("{", { "content-type": "application/json" }), 400, "malformed-json");
    problem(await insert("x", { "content-type": "text/plain" }), 415, "unsupported-media-type");
    problem(await invoke(insertDocument, { method: "POST", path: "/org/data/documents", json: {} }), 401);
    problem(await insert({ text: "x".repeat(66_000) }), 413, "payload-too-large");
    problem(await insert({ text: "x".repeat(6 * 65_536 + 2048) }), 413, "payload-too-large");
    process.env.TENANT_MAX_DOCUMENTS = "1";
    resetConfig();
    expect(problem(await insert({}), 403, "quota-exceeded")).toMatchObject({ quota: "max_documents", limit: 1 });
    problem(await invoke(getDocument, documentRequest(auth, "GET", "missing")), 404, "not-found");
    problem(await invoke(getDocument, documentRequest(auth, "GET", "not an id")), 422);
    problem(await invoke(replaceDocument, documentRequest(auth, "PUT", "missing", {})), 404);
    problem(await invoke(patchDocument, documentRequest(auth, "PATCH", "taken", { $push: { a: 1 } })), 422);
    problem(await invoke(deleteDocument, documentRequest(auth, "DELETE", "missing")), 404);
    const list = (rawQueryString: string) =>
      invoke(listDocuments, { method: "GET", path: "/org/data/documents", rawQueryString, ...auth });
    expect(JSON.stringify(problem(await list(`filter=${encodeURIComponent('{"$where":"1"}')}`), 422))).toContain(
      "$where",
    );
    problem(await list("limit=0"), 422);
    problem(await list("unknown=1"), 422);
    problem(
      await invoke(createIndex, { method: "POST", path: "/org/data/indexes", ...auth, json: { keys: { a: 1 }, x: 1 } }),
      422,
    );
    problem(
      await invoke(dropIndex, {
        method: "DELETE",
        path: "/org/data/indexes/none",
        pathParameters: { name: "none" },
        ...auth,
      }),
      404,
    );
  });

  it("answer 409 when a replace or a patch repeats a unique index's value", async () => {
    const { auth } = await signUp();
    const index = await invoke(createIndex, {
      method: "POST",
      path: "/org/data/indexes",
      ...auth,
      json: { keys: { email: 1 }, unique: true },
    });
    expect(index.status, index.text).toBe(201);
    for (const json of [
      { _id: "a", email: "a@x" },
      { _id: "b", email: "b@x" },
    ]) {
      expect(
        (await invoke(insertDocument, { method: "POST", path: "/org/data/documents", ...auth, json })).status,
      ).toBe(201);
    }
    const put = problem(
      await invoke(replaceDocument, documentRequest(auth, "PUT", "b", { email: "a@x" })),
      409,
      "conflict",
    );
    expect(JSON.stringify(put)).toContain("email");
    const patch = problem(
      await invoke(patchDocument, documentRequest(auth, "PATCH", "b", { $set: { email: "a@x" } })),
      409,
      "conflict",
    );
    expect(JSON.stringify(patch)).toContain("email");
    expect((await invoke(getDocument, documentRequest(auth, "GET", "b"))).json).toEqual({ _id: "b", email: "b@x" });
  });
});
