import { afterAll, afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import {
  ConflictError,
  createIndex,
  createOrganization,
  deleteDocument,
  deleteOrganization,
  dropIndex,
  ForbiddenError,
  getDocument,
  getUsage,
  insertDocument,
  listAudit,
  listDocuments,
  listIndexes,
  NotFoundError,
  patchDocument,
  QuotaExceededError,
  replaceDocument,
  resetConfig,
  TooLargeError,
  updateOrganization,
  ValidationError,
  type Actor,
} from "../src";
import { database, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => {
  for (const name of [
    "TENANT_MAX_DOCUMENTS",
    "TENANT_MAX_DATA_BYTES",
    "TENANT_MAX_INDEXES",
    "TENANT_DOCUMENT_MAX_BYTES",
  ]) {
    delete process.env[name];
  }
  resetConfig();
});

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function tenant() {
  const organization = await createOrganization({
    organizationName: `Data ${unique()}`,
    email: `data.${unique()}@data.example`,
    password: "password-123",
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, member: { ...owner, role: "member" } as Actor };
}

async function issuesOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

describe("documents", () => {
  it("insert, get, replace, patch and delete, ids answered as strings", async () => {
    const { owner } = await tenant();
    const generated = await insertDocument(owner, { name: "a", n: 1 });
    expect(generated._id).toMatch(/^[0-9a-f]{24}$/);
    expect(await getDocument(owner, generated._id)).toEqual({ _id: generated._id, name: "a", n: 1 });
    const chosen = await insertDocument(owner, { _id: "user:42", tags: ["x"], nested: { deep: true } });
    expect(chosen).toEqual({ _id: "user:42", tags: ["x"], nested: { deep: true } });
    await expect(insertDocument(owner, { _id: "user:42" })).rejects.toBeInstanceOf(ConflictError);

    expect(await replaceDocument(owner, "user:42", { only: 1 })).toEqual({ _id: "user:42", only: 1 });
    expect(await getDocument(owner, "user:42")).toEqual({ _id: "user:42", only: 1 });
    expect(await patchDocument(owner, "user:42", { $set: { "a.b": 2, only: 3 }, $unset: { gone: "" } })).toEqual({
      _id: "user:42",
      only: 3,
      a: { b: 2 },
    });
    expect(await patchDocument(owner, "user:42", { $unset: { only: "" } })).toEqual({ _id: "user:42", a: { b: 2 } });
    expect(await deleteDocument(owner, "user:42")).toEqual({ deleted: true });
    await expect(getDocument(owner, "user:42")).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteDocument(owner, "user:42")).rejects.toBeInstanceOf(NotFoundError);
    await expect(replaceDocument(owner, "user:42", {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(patchDocument(owner, "user:42", { $set: { a: 1 } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("another tenant's document answers 404 exactly like a missing one, for every operation", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const secret = await insertDocument(theirs.owner, { _id: "shared-id", secret: true });
    for (const attempt of [
      () => getDocument(mine.owner, secret._id),
      () => replaceDocument(mine.owner, secret._id, { stolen: true }),
      () => patchDocument(mine.owner, secret._id, { $set: { stolen: true } }),
      () => deleteDocument(mine.owner, secret._id),
    ]) {
      const error = await attempt().catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toBe("No document of this organization has this id.");
    }
    expect((await listDocuments(mine.owner, { filter: JSON.stringify({ _id: "shared-id" }) })).documents).toEqual([]);
    // The same id is free in my collection, and theirs is untouched.
    await insertDocument(mine.owner, { _id: "shared-id", mine: true });
    expect(await getDocument(theirs.owner, "shared-id")).toEqual({ _id: "shared-id", secret: true });
  });

  it("refuses field names with $, . or NUL, with the path; nesting deeper than 20; a bad _id", async () => {
    const { owner } = await tenant();
    expect(await issuesOf(insertDocument(owner, { ok: { $where: "1" } }))).toEqual([
      { path: "ok.$where", message: "a field name may not start with $" },
    ]);
    expect(await issuesOf(insertDocument(owner, { list: [{ "a.b": 1 }] }))).toEqual([
      { path: "list.0.a.b", message: "a field name may not contain ." },
    ]);
    expect((await issuesOf(insertDocument(owner, { "a\u0000": 1 })))[0]?.message).toBe(
      "a field name may not contain NUL",
    );
    let deep: unknown = 1;
    for (let level = 0; level < 20; level++) deep = { d: deep };
    await insertDocument(owner, deep as Record<string, unknown>); // 20 levels of objects, the document first: accepted
    await issuesOf(insertDocument(owner, { d: deep }));
    for (const _id of ["", "a".repeat(129), "has space", 42, "é"]) {
      expect((await issuesOf(insertDocument(owner, { _id })))[0]?.path).toBe("_id");
    }
    await issuesOf(insertDocument(owner, [] as unknown as Record<string, unknown>));
    await issuesOf(patchDocument(owner, "x", { $inc: { n: 1 } }));
    await issuesOf(patchDocument(owner, "x", { $set: { _id: "other" } }));
    await issuesOf(patchDocument(owner, "x", { $set: { a: 1 }, $unset: { a: "" } }));
    await issuesOf(patchDocument(owner, "x", { $set: { "a.$b": 1 } }));
    await issuesOf(replaceDocument(owner, "x", { _id: "y" }));
  });

  it("a document larger than TENANT_DOCUMENT_MAX_BYTES as BSON is 413, and nothing is written", async () => {
    process.env.TENANT_DOCUMENT_MAX_BYTES = "2048";
    resetConfig();
    const { owner } = await tenant();
    await expect(insertDocument(owner, { _id: "big", text: "x".repeat(2048) })).rejects.toBeInstanceOf(TooLargeError);
    await expect(getDocument(owner, "big")).rejects.toBeInstanceOf(NotFoundError);
    await insertDocument(owner, { _id: "small", text: "x" });
    await expect(replaceDocument(owner, "small", { text: "x".repeat(2048) })).rejects.toBeInstanceOf(TooLargeError);
    await expect(patchDocument(owner, "small", { $set: { text: "x".repeat(2048) } })).rejects.toBeInstanceOf(
      TooLargeError,
    );
    expect(await getDocument(owner, "small")).toEqual({ _id: "small", text: "x" });
  });
});

describe("listing", () => {
  it("filters in the safe subset", async () => {
    const { owner } = await tenant();
    for (let n = 0; n < 6; n++) await insertDocument(owner, { _id: `d${n}`, n, kind: n % 2 ? "odd" : "even" });
    const ids = async (filter: unknown) =>
      (await listDocuments(owner, { filter: JSON.stringify(filter) })).documents.map((document) => document._id);
    expect(await ids({ kind: "odd" })).toEqual(["d1", "d3", "d5"]);
    expect(await ids({ n: { $gte: 2, $lt: 4 } })).toEqual(["d2", "d3"]);
    expect(await ids({ n: { $in: [0, 5] } })).toEqual(["d0", "d5"]);
    expect(await ids({ n: { $nin: [0, 5] }, kind: { $ne: "odd" } })).toEqual(["d2", "d4"]);
    expect(await ids({ $or: [{ n: 0 }, { $and: [{ kind: "odd" }, { n: { $gt: 3 } }] }] })).toEqual(["d0", "d5"]);
    expect(await ids({ n: { $not: { $lt: 4 } } })).toEqual(["d4", "d5"]);
    expect(await ids({ missing: { $exists: false }, n: { $eq: 1 } })).toEqual(["d1"]);
  });

  it("refuses any other operator, by name, and more than 20 conditions", async () => {
    const { owner } = await tenant();
    for (const [filter, named] of [
      [{ $where: "true" }, "$where"],
      [{ a: { $regex: "x" } }, "$regex"],
      [{ $expr: { $eq: [1, 1] } }, "$expr"],
      [{ $text: { $search: "x" } }, "$text"],
      [{ $jsonSchema: {} }, "$jsonSchema"],
      [{ a: { $function: {} } }, "$function"],
      [{ a: { $elemMatch: {} } }, "$elemMatch"],
      [{ $nor: [{ a: 1 }] }, "$nor"],
      [{ a: { b: { $gt: 1 } } }, "$gt"],
      [{ "a.$where": 1 }, "$where"],
    ] as const) {
      const issues = await issuesOf(listDocuments(owner, { filter: JSON.stringify(filter) }));
      expect(JSON.stringify(issues)).toContain(named);
    }
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`f${index}`, index]));
    expect(JSON.stringify(await issuesOf(listDocuments(owner, { filter: JSON.stringify(many) })))).toContain(
      "at most 20 conditions",
    );
    await issuesOf(listDocuments(owner, { filter: "{not json" }));
    await issuesOf(listDocuments(owner, { filter: "[]" }));
    await issuesOf(listDocuments(owner, { sort: "$natural" }));
    await issuesOf(listDocuments(owner, { cursor: "bm9wZQ" }));
  });

  it("pages by (sort field, _id), stable under inserts, across mixed types and missing fields", async () => {
    const { owner } = await tenant();
    const values: unknown[] = [3, 1, "b", 2, null, "a", 1, true, { o: 1 }, 2.5, undefined, "b", false, 0];
    for (const [index, value] of values.entries()) {
      await insertDocument(owner, {
        _id: `v${String(index).padStart(2, "0")}`,
        ...(value !== undefined && { v: value }),
      });
    }
    for (const order of ["asc", "desc"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listDocuments(owner, { sort: "v", order, limit: 3, ...(cursor && { cursor }) });
        seen.push(...page.documents.map((document) => document._id));
        cursor = page.nextCursor;
        // Inserted while paging, with a missing value: before the cursor ascending (never shown), after it
        // descending (shown at the end); either way no page shifts and nothing shows twice.
        if (pages === 0) await insertDocument(owner, { _id: `late-${order}` });
        pages++;
      } while (cursor);
      const everything = (await listDocuments(owner, { sort: "v", order, limit: 100 })).documents.map((d) => d._id);
      expect(seen).toEqual(order === "asc" ? everything.filter((id) => id !== "late-asc") : everything);
      expect(new Set(seen).size).toBe(seen.length);
    }
    const byNumber = (await listDocuments(owner, { sort: "v", limit: 100, filter: '{"v":{"$gte":0}}' })).documents;
    expect(byNumber.map((document) => document.v)).toEqual([0, 1, 1, 2, 2.5, 3]);
    await issuesOf(
      listDocuments(owner, {
        sort: "v",
        order: "desc",
        cursor: (await listDocuments(owner, { sort: "v", limit: 1 })).nextCursor as string,
      }),
    );
  });

  it("pages by _id by default", async () => {
    const { owner } = await tenant();
    for (let n = 0; n < 5; n++) await insertDocument(owner, { _id: `p${n}` });
    const first = await listDocuments(owner, { limit: 2 });
    expect(first.documents.map((d) => d._id)).toEqual(["p0", "p1"]);
    const second = await listDocuments(owner, { limit: 2, cursor: first.nextCursor as string });
    expect(second.documents.map((d) => d._id)).toEqual(["p2", "p3"]);
    const last = await listDocuments(owner, { limit: 2, cursor: second.nextCursor as string });
    expect(last).toEqual({ documents: [{ _id: "p4" }] });
  });
});

describe("quotas, indexes and usage", () => {
  it("refuses a write past TENANT_MAX_DOCUMENTS with quota-exceeded, writes nothing, audits it", async () => {
    process.env.TENANT_MAX_DOCUMENTS = "2";
    resetConfig();
    const { owner } = await tenant();
    await insertDocument(owner, { _id: "one" });
    await insertDocument(owner, { _id: "two" });
    const error = await insertDocument(owner, { _id: "three" }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).extensions).toEqual({ quota: "max_documents", limit: 2 });
    await expect(getDocument(owner, "three")).rejects.toBeInstanceOf(NotFoundError);
    await deleteDocument(owner, "two");
    await insertDocument(owner, { _id: "three" });
    const { entries } = await listAudit(owner);
    expect(entries.filter((entry) => entry.action === "data.quota_exceeded")[0]?.details).toEqual({
      quota: "max_documents",
    });
  });

  it("refuses a write past TENANT_MAX_DATA_BYTES", async () => {
    process.env.TENANT_MAX_DATA_BYTES = "4096";
    resetConfig();
    const { owner } = await tenant();
    let refused: unknown;
    for (let n = 0; n < 20 && !refused; n++) {
      refused = await insertDocument(owner, { _id: `b${n}`, text: "x".repeat(900) }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
    }
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect((refused as QuotaExceededError).extensions.quota).toBe("max_data_bytes");
  });

  it("indexes: create, list, unique enforced, at most TENANT_MAX_INDEXES, drop; owner and admin only", async () => {
    process.env.TENANT_MAX_INDEXES = "2";
    resetConfig();
    const { owner, member } = await tenant();
    await expect(createIndex(member, { keys: { a: 1 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listIndexes(member)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await listIndexes(owner)).toEqual([]);
    expect(await createIndex(owner, { keys: { email: 1 }, unique: true })).toEqual({
      name: "email_1",
      keys: { email: 1 },
      unique: true,
    });
    await createIndex(owner, { keys: { a: 1, b: -1 } });
    expect((await listIndexes(owner)).map((index) => index.name).sort()).toEqual(["a_1_b_-1", "email_1"]);
    await insertDocument(owner, { email: "x@y" });
    await expect(insertDocument(owner, { email: "x@y" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createIndex(owner, { keys: { c: 1 } })).rejects.toBeInstanceOf(QuotaExceededError);
    await issuesOf(createIndex(owner, { keys: { c: 2 } }));
    await issuesOf(createIndex(owner, { keys: {} }));
    await issuesOf(createIndex(owner, { keys: { $where: 1 } }));
    expect(await getUsage(member)).toMatchObject({ documentCount: 1, indexCount: 2 });
    expect(await dropIndex(owner, "email_1")).toEqual({ dropped: true });
    await expect(dropIndex(owner, "email_1")).rejects.toBeInstanceOf(NotFoundError);
    await issuesOf(dropIndex(owner, "_id_"));
    const actions = (await listAudit(owner)).entries.map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(["data.index_created", "data.index_dropped", "data.quota_exceeded"]),
    );
  });

  it("usage counts documents, data and indexes beside the quotas", async () => {
    const { owner, member } = await tenant();
    expect(await getUsage(member)).toEqual({
      documentCount: 0,
      dataBytes: 0,
      indexCount: 0,
      quotas: { maxDocuments: 100_000, maxDataBytes: 268_435_456, maxIndexes: 10 },
    });
    await insertDocument(owner, { text: "hello" });
    const usage = await getUsage(member);
    expect(usage.documentCount).toBe(1);
    expect(usage.dataBytes).toBeGreaterThan(0);
  });
});

describe("the organization's lifecycle", () => {
  it("documents survive a rename and vanish with a delete", async () => {
    const { organization, owner } = await tenant();
    await insertDocument(owner, { _id: "keep", v: 1 });
    const renamed = `Renamed ${unique()}`;
    const after = await updateOrganization(owner, {
      organizationName: organization.name,
      newOrganizationName: renamed,
    });
    expect(after.organization.collectionName).not.toBe(organization.collectionName);
    expect(await getDocument(owner, "keep")).toEqual({ _id: "keep", v: 1 });
    await deleteOrganization(owner, renamed);
    await expect(getDocument(owner, "keep")).rejects.toBeInstanceOf(NotFoundError);
    const db = await database();
    const names = (await db.tenants.listCollections().toArray()).map((collection) => collection.name);
    expect(names).not.toContain(organization.collectionName);
    expect(names).not.toContain(after.organization.collectionName);
  });
});
