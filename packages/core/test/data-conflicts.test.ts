/**
 * Writes a tenant's unique index refuses are 409s naming the index, whatever the write: an
 * insert, a replace or a patch. FerretDB answers a colliding update with its storage's own error
 * (code 1), unlike an insert's 11000, so this file runs on both backends (vitest.workspace.ts).
 * So do index changes at once, which must leave the cell's count of namespaces exact on both.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  ConflictError,
  createIndex,
  createOrganization,
  dropIndex,
  getDocument,
  insertDocument,
  listIndexes,
  patchDocument,
  replaceDocument,
  updateOrganization,
  type Actor,
} from "../src";
import { ObjectId } from "mongodb";
import { database, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function owner(): Promise<Actor> {
  const organization = await createOrganization({
    organizationName: `Conflicts ${unique()}`,
    email: `conflicts.${unique()}@data.example`,
    password: "password-123",
  });
  return { userId: organization.adminId, organizationId: organization.id, role: "owner" };
}

async function conflictOf(promise: Promise<unknown>): Promise<ConflictError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConflictError);
  return error as ConflictError;
}

describe("a unique index refuses a write", () => {
  it("PUT whose replacement repeats another document's unique value: 409 naming the index, nothing changed", async () => {
    const actor = await owner();
    await createIndex(actor, { keys: { email: 1 }, unique: true });
    await insertDocument(actor, { _id: "a", email: "a@x" });
    await insertDocument(actor, { _id: "b", email: "b@x", n: 1 });
    const conflict = await conflictOf(replaceDocument(actor, "b", { email: "a@x" }));
    expect(conflict.field).toBe("email");
    expect(conflict.message).toContain("email_1");
    expect(await getDocument(actor, "b")).toEqual({ _id: "b", email: "b@x", n: 1 });
  });

  it("PATCH whose result repeats another document's unique value: 409 naming the index, nothing changed", async () => {
    const actor = await owner();
    await createIndex(actor, { keys: { "profile.handle": 1 }, unique: true });
    await createIndex(actor, { keys: { email: 1 }, unique: true });
    await insertDocument(actor, { _id: "a", email: "a@x", profile: { handle: "ada" } });
    await insertDocument(actor, { _id: "b", email: "b@x", profile: { handle: "bob" } });
    const conflict = await conflictOf(patchDocument(actor, "b", { $set: { "profile.handle": "ada" } }));
    expect(conflict.field).toBe("profile.handle");
    expect(conflict.message).toContain("profile.handle_1");
    const byEmail = await conflictOf(patchDocument(actor, "b", { $set: { email: "a@x", other: 1 } }));
    expect(byEmail.field).toBe("email");
    expect(await getDocument(actor, "b")).toEqual({ _id: "b", email: "b@x", profile: { handle: "bob" } });
    // A patch of the document's own unique value to itself is no collision.
    expect(await patchDocument(actor, "b", { $set: { email: "b@x" } })).toMatchObject({ email: "b@x" });
  });

  it("insert: a taken _id names _id, a repeated unique value names the index", async () => {
    const actor = await owner();
    await createIndex(actor, { keys: { email: 1 }, unique: true });
    await insertDocument(actor, { _id: "a", email: "a@x" });
    expect((await conflictOf(insertDocument(actor, { _id: "a", email: "new@x" }))).field).toBe("_id");
    expect((await conflictOf(insertDocument(actor, { _id: "c", email: "a@x" }))).field).toBe("email");
  });
});

describe("index changes at once", () => {
  it("creates and drops racing each other all succeed and leave the namespace count exact (no increment to lose)", async () => {
    for (let round = 0; round < 3; round++) {
      const actor = await owner();
      for (const field of ["a", "b", "c"]) await createIndex(actor, { keys: { [field]: 1 } });
      const outcomes = await Promise.allSettled([
        ...["d", "e", "f", "g", "h"].map((field) => createIndex(actor, { keys: { [field]: 1 } })),
        createIndex(actor, { keys: { c: 1 } }), // there already: answered as it is
        dropIndex(actor, "a_1"),
        dropIndex(actor, "b_1"),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === "rejected")).toEqual([]);
      const indexes = await listIndexes(actor);
      expect(indexes.map((index) => index.name).sort()).toEqual(["c_1", "d_1", "e_1", "f_1", "g_1", "h_1"]);
      const db = await database();
      const record = await db.organizations.findOne({ _id: new ObjectId(actor.organizationId) });
      // The collection, its _id index and each of the six.
      expect(record?.placement?.namespaces).toBe(2 + indexes.length);
    }
  });
});

describe("index changes and the organization's other changes", () => {
  it("wait for one another, a little; a member or credential change never waits for an index build", async () => {
    const actor = await owner();
    const db = await database();
    // An index change under way (its lock held by another request).
    const held = { _id: `${actor.organizationId}:indexes`, acquired_at: new Date() };
    await db.locks.insertOne(held);
    let created = false;
    const creating = createIndex(actor, { keys: { waited: 1 } }).then((index) => {
      created = true;
      return index;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(created).toBe(false);
    // The organization's own lock is free: a credential change goes ahead at once.
    const organization = await db.organizations.findOne({ _id: new ObjectId(actor.organizationId) });
    await expect(
      updateOrganization(actor, {
        organizationName: organization!.name,
        password: "another-password-1",
        currentPassword: "password-123",
      }),
    ).resolves.toBeDefined();
    await db.locks.deleteOne(held);
    await expect(creating).resolves.toMatchObject({ name: "waited_1" });
    expect(await db.locks.countDocuments({})).toBe(0);
  });
});
