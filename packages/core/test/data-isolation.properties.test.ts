import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  ConflictError,
  createIndex,
  createOrganization,
  deleteDocument,
  dropIndex,
  getDocument,
  getUsage,
  insertDocument,
  listDocuments,
  NotFoundError,
  patchDocument,
  replaceDocument,
  ValidationError,
  type Actor,
  type StoredDocument,
} from "../src";
import { database, useIsolatedDatabases } from "../src/testing";

/**
 * Isolation by construction, checked against the real database: several organizations do random
 * sequences of every document operation, with ids and filters that name other tenants' documents
 * and input shaped like operators. Afterwards each tenant's collection holds exactly what its own
 * operations produced, and no answer ever carried another tenant's document (each document a
 * tenant writes is marked with its owner, which the generated input can never set).
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

const TENANTS = 3;
interface Tenant {
  readonly actor: Actor;
  readonly collectionName: string;
}
const tenants: Tenant[] = [];
/** Answers that carried documents, across runs: the property must have had something to check. */
let documentsSeen = 0;

beforeAll(async () => {
  for (let index = 0; index < TENANTS; index++) {
    const organization = await createOrganization({
      organizationName: `Isolation ${Date.now().toString(36)} ${index}`,
      email: `isolation.${Date.now().toString(36)}.${index}@isolation.example`,
      password: "password-123",
    });
    tenants.push({
      actor: { userId: organization.adminId, organizationId: organization.id, role: "owner" },
      collectionName: organization.collectionName,
    });
  }
});

/** Ids every tenant uses: the same names in different collections, which must never meet. */
const ID_POOL = ["a", "b", "shared", "x:1", "0123456789abcdef01234567"];
const FIELDS = ["k", "v", "owner"];

const tenantIndex = fc.integer({ min: 0, max: TENANTS - 1 });
/** A pool id, or the n-th id the service generated so far (for any tenant). */
const idRef = fc.oneof(
  fc.constantFrom(...ID_POOL),
  fc.nat({ max: 20 }).map((n) => ({ generated: n })),
);
const scalar = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("x", "y", null, true));
/** Fields of a document, `owner` possibly among them (overwritten: the mark is the test's, not the input's). */
const fields = fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 3 });
/** Input shaped like operators or otherwise refused: never stored, never run. */
const hostile = fc.constantFrom<Record<string, unknown>>(
  { $where: "return true" },
  { k: { $gt: "" } },
  { "owner.x": 1 },
  { k: { $function: { body: "x", args: [], lang: "js" } } },
  { _id: { $ne: null } },
  { "\u0000": 1 },
);
const filter = fc.oneof(
  fc.constant<unknown>({}),
  idRef.map((id) => ({ _id: id })),
  fc.record({ k: scalar }),
  fc.record({ k: fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }) }),
  fc.constant<unknown>({ owner: { $exists: true } }),
  fc.constantFrom<unknown>(
    { $where: "true" },
    { $expr: { $eq: ["$owner", "$owner"] } },
    { k: { $regex: "." } },
    { owner: { $ne: -1 }, $jsonSchema: {} },
    { $or: [{ owner: 0 }, { owner: 1 }, { owner: 2 }] },
  ),
);

const command = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      t: tenantIndex,
      id: fc.option(idRef, { nil: undefined }),
      fields,
    }),
    weight: 4,
  },
  fc.record({ op: fc.constant("insert-hostile" as const), t: tenantIndex, body: hostile }),
  fc.record({ op: fc.constant("get" as const), t: tenantIndex, id: idRef }),
  fc.record({ op: fc.constant("replace" as const), t: tenantIndex, id: idRef, fields }),
  fc.record({
    op: fc.constant("patch" as const),
    t: tenantIndex,
    id: idRef,
    set: fields,
    unset: fc.subarray(["k", "v"]),
  }),
  fc.record({ op: fc.constant("patch-hostile" as const), t: tenantIndex, id: idRef, body: hostile }),
  fc.record({ op: fc.constant("delete" as const), t: tenantIndex, id: idRef }),
  fc.record({ op: fc.constant("list" as const), t: tenantIndex, filter }),
  fc.record({ op: fc.constant("index" as const), t: tenantIndex, drop: fc.boolean() }),
  fc.record({ op: fc.constant("usage" as const), t: tenantIndex }),
);

type Model = Map<string, Record<string, unknown>>[];

/** The filters above that pass, evaluated on the model (the refused ones throw before any read). */
function matches(document: Record<string, unknown>, query: Record<string, unknown>): boolean | undefined {
  return Object.entries(query).every(([field, condition]) => {
    if (field === "$or") return (condition as Record<string, unknown>[]).some((branch) => matches(document, branch));
    const value = document[field];
    if (condition !== null && typeof condition === "object") {
      const operators = condition as Record<string, unknown>;
      if ("$in" in operators) return (operators.$in as unknown[]).some((item) => equal(value, item));
      if ("$exists" in operators) return (value !== undefined) === operators.$exists;
    }
    return equal(value, condition);
  });
}
const equal = (value: unknown, other: unknown) =>
  other === null ? value === null || value === undefined : value === other;

async function expectRejection(promise: Promise<unknown>, kind: new (...args: never[]) => Error): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(kind);
}

describe("tenant isolation (property)", () => {
  it("each tenant's collection holds exactly what its own operations produced; no answer carries another's", async () => {
    const db = await database();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 15, maxLength: 40 }), async (commands) => {
        for (const tenant of tenants) {
          const collection = db.tenants.collection(tenant.collectionName);
          await collection.deleteMany({});
          await collection.dropIndexes().catch(() => undefined);
        }
        const model: Model = tenants.map(() => new Map());
        const generated: string[] = [];
        const resolve = (id: string | { generated: number }) =>
          typeof id === "string" ? id : (generated[id.generated % Math.max(generated.length, 1)] ?? "none-yet");
        /** Every document an answer carries: this tenant's, and exactly as the model has it. */
        const own = (t: number, document: StoredDocument) => {
          documentsSeen++;
          expect(document.owner).toBe(t);
          expect(model[t]?.get(document._id)).toEqual(document);
        };

        for (const c of commands) {
          const { actor } = tenants[c.t] as Tenant;
          const mine = model[c.t] as Map<string, Record<string, unknown>>;
          switch (c.op) {
            case "insert": {
              const id = c.id === undefined ? undefined : resolve(c.id);
              const body = { ...c.fields, ...(id !== undefined && { _id: id }), owner: c.t };
              if (id !== undefined && mine.has(id)) {
                await expectRejection(insertDocument(actor, body), ConflictError);
                break;
              }
              const stored = await insertDocument(actor, body);
              if (id === undefined) generated.push(stored._id);
              mine.set(stored._id, { ...body, _id: stored._id });
              own(c.t, stored);
              break;
            }
            case "insert-hostile":
              await expectRejection(insertDocument(actor, { ...c.body, owner: c.t }), ValidationError);
              break;
            case "get": {
              const id = resolve(c.id);
              if (mine.has(id)) own(c.t, await getDocument(actor, id));
              else await expectRejection(getDocument(actor, id), NotFoundError);
              break;
            }
            case "replace": {
              const id = resolve(c.id);
              const body = { ...c.fields, owner: c.t };
              if (!mine.has(id)) {
                await expectRejection(replaceDocument(actor, id, body), NotFoundError);
                break;
              }
              mine.set(id, { _id: id, ...body });
              own(c.t, await replaceDocument(actor, id, body));
              break;
            }
            case "patch": {
              const id = resolve(c.id);
              const set = Object.fromEntries(
                Object.entries(c.set).filter(([field]) => field !== "owner" && !c.unset.includes(field)),
              );
              const patch = {
                $set: { ...set, owner: c.t },
                ...(c.unset.length > 0 && { $unset: Object.fromEntries(c.unset.map((f) => [f, ""])) }),
              };
              if (!mine.has(id)) {
                await expectRejection(patchDocument(actor, id, patch), NotFoundError);
                break;
              }
              const next: Record<string, unknown> = { ...mine.get(id), ...set, owner: c.t };
              for (const field of c.unset) delete next[field];
              mine.set(id, next);
              own(c.t, await patchDocument(actor, id, patch));
              break;
            }
            case "patch-hostile":
              await expectRejection(patchDocument(actor, resolve(c.id), c.body), ValidationError);
              break;
            case "delete": {
              const id = resolve(c.id);
              if (mine.delete(id)) expect(await deleteDocument(actor, id)).toEqual({ deleted: true });
              else await expectRejection(deleteDocument(actor, id), NotFoundError);
              break;
            }
            case "list": {
              const query = c.filter as Record<string, unknown>;
              const text = JSON.stringify(
                "_id" in query ? { _id: resolve(query._id as string | { generated: number }) } : query,
              );
              const parsed = JSON.parse(text) as Record<string, unknown>;
              const refused =
                Object.keys(parsed).some((key) => key.startsWith("$") && key !== "$or") ||
                JSON.stringify(parsed).includes("$regex");
              if (refused) {
                await expectRejection(listDocuments(actor, { filter: text }), ValidationError);
                break;
              }
              const page = await listDocuments(actor, { filter: text, limit: 100 });
              for (const document of page.documents) own(c.t, document);
              const expected = [...mine.values()].filter((document) => matches(document, parsed)).map((d) => d._id);
              expect(page.documents.map((document) => document._id).sort()).toEqual((expected as string[]).sort());
              break;
            }
            case "index":
              if (c.drop)
                await dropIndex(actor, "k_1").catch((error: unknown) => expect(error).toBeInstanceOf(NotFoundError));
              else await createIndex(actor, { keys: { k: 1 } });
              break;
            case "usage":
              expect((await getUsage(actor)).documentCount).toBe(mine.size);
              break;
          }
        }

        for (const [t, tenant] of tenants.entries()) {
          const stored = await db.tenants.collection(tenant.collectionName).find({}).toArray();
          const byId = new Map(stored.map((document) => [String(document._id), document]));
          expect(new Map([...byId].map(([id, document]) => [id, { ...document, _id: id }]))).toEqual(model[t]);
        }
      }),
      { numRuns: 25 },
    );
    expect(documentsSeen).toBeGreaterThan(100);
  });
});
