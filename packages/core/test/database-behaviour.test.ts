/**
 * What the service relies on from its database, probed on the server the tests run against
 * (MongoDB, FerretDB on PostgreSQL, FerretDB on SQLite), asserting what is true there. Where the
 * servers differ, the test says how, so that it fails when one of them changes; docs/database.md
 * summarises the findings.
 *
 * Raw driver calls on a database of this file's own: these are facts about the server, not about
 * the service's code (except isDuplicateKeyError / isNotImplementedError, which must read the
 * server's answers right).
 */
import { randomBytes } from "node:crypto";
import { type Db, MongoClient, MongoServerError, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { isDuplicateKeyError, isNamespaceExistsError, isNotImplementedError } from "../src/db/mongo-errors";
import { type Backend, backendOf } from "./support/backend";

let client: MongoClient;
let db: Db;
let backend: Backend;

beforeAll(async () => {
  client = new MongoClient(inject("mongodbUri"), { serverSelectionTimeoutMS: 5_000, maxPoolSize: 20 });
  db = client.db(`behaviour_${randomBytes(4).toString("hex")}`);
  backend = await backendOf(db);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const isFerretDb = () => backend !== "mongodb";
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

it("runs on the server its vitest project asks for (EMBEDDED_DB in the project's env)", () => {
  const wanted = process.env.EMBEDDED_DB;
  if (wanted === "ferretdb-postgres" || wanted === "ferretdb-sqlite") expect(backend).toBe(wanted);
});

describe("renameCollection (a tenant collection follows its organization's new name)", () => {
  it("moves the documents and the indexes within a database", async () => {
    const before = db.collection("rename_before");
    await before.insertMany([{ n: 1 }, { n: 2 }]);
    await before.createIndex({ n: 1 }, { name: "n_1" });
    await db.renameCollection("rename_before", "rename_after");
    const names = (await db.listCollections().toArray()).map((c) => c.name);
    expect(names).toContain("rename_after");
    expect(names).not.toContain("rename_before");
    const after = db.collection("rename_after");
    expect(await after.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await after.indexes()).map((index) => index.name)).toContain("n_1");
  });

  it("refuses an existing target with NamespaceExists (48)", async () => {
    await db.collection("rename_source").insertOne({ from: "source" });
    await db.collection("rename_taken").insertOne({ from: "taken" });
    const error = await failure(db.renameCollection("rename_source", "rename_taken"));
    expect(isNamespaceExistsError(error)).toBe(true);
    expect(await db.collection("rename_taken").findOne({}, { projection: { _id: 0 } })).toEqual({ from: "taken" });
  });

  it("takes `dropTarget: true` on MongoDB only (FerretDB: not implemented); the service never asks for it", async () => {
    await db.collection("drop_source").insertOne({ from: "source" });
    await db.collection("drop_target").insertOne({ from: "target" });
    const error = await failure(db.renameCollection("drop_source", "drop_target", { dropTarget: true }));
    if (isFerretDb()) {
      expect(isNotImplementedError(error)).toBe(true);
    } else {
      expect(error).toBeUndefined();
      expect(await db.collection("drop_target").findOne({}, { projection: { _id: 0 } })).toEqual({ from: "source" });
    }
  });
});

describe("unique indexes (names and emails are unique by index, nothing else)", () => {
  let users: ReturnType<Db["collection"]>;
  beforeAll(async () => {
    users = db.collection("unique_users");
    await users.createIndex({ email: 1 }, { name: "email_unique", unique: true });
    await users.insertMany([{ email: "a@example.com" }, { email: "b@example.com" }]);
  });

  it("refuse a colliding insert with 11000 everywhere", async () => {
    const error = await failure(users.insertOne({ email: "a@example.com" }));
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
  });

  it("refuse a colliding update: 11000 on MongoDB, the storage's own error (code 1) on FerretDB", async () => {
    const error = (await failure(
      users.updateOne({ email: "b@example.com" }, { $set: { email: "a@example.com" } }),
    )) as MongoServerError;
    expect(error).toBeInstanceOf(MongoServerError);
    if (backend === "mongodb") expect(error.code).toBe(11000);
    if (backend === "ferretdb-postgres") {
      expect(error.code).toBe(1);
      expect(error.message).toMatch(/duplicate key value violates unique constraint .*\(SQLSTATE 23505\)/);
    }
    if (backend === "ferretdb-sqlite") {
      expect(error.code).toBe(1);
      expect(error.message).toMatch(/UNIQUE constraint failed/);
    }
    // Either way the service reads it as a duplicate key, and nothing changed.
    expect(isDuplicateKeyError(error)).toBe(true);
    expect(await users.countDocuments({ email: "b@example.com" })).toBe(1);
  });

  it("let exactly one of many concurrent inserts of the same key win (what the service's locks are)", async () => {
    const _id = new ObjectId();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => db.collection("locks").insertOne({ _id })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(isDuplicateKeyError(r.reason)).toBe(true);
  });
});

describe("updates under concurrency", () => {
  const CONTENDERS = 8;

  /** Rounds of CONTENDERS concurrent `updateOne({ _id, state: "free" }, { $set: taken })`: winners per round. */
  async function conditionalUpdateRounds(rounds: number, stopAtDoubleWin: boolean): Promise<number[]> {
    const slots = db.collection("cas_slots");
    const winners: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const _id = new ObjectId();
      await slots.insertOne({ _id, state: "free" });
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) =>
          slots.updateOne({ _id, state: "free" }, { $set: { state: `taken by ${i}` } }),
        ),
      );
      winners.push(results.reduce((sum, r) => sum + r.modifiedCount, 0));
      if (stopAtDoubleWin && winners.at(-1)! > 1) break;
    }
    return winners;
  }

  it("a conditional update is a compare-and-set on MongoDB, and not on FerretDB", async () => {
    if (isFerretDb()) {
      // FerretDB reads the matching document, applies the update in its own process and writes the
      // whole document back by _id: concurrent updates that all read "free" all win. Measured here:
      // more than one winner in most rounds, on both storages.
      const winners = await conditionalUpdateRounds(50, true);
      expect(Math.max(...winners)).toBeGreaterThan(1);
    } else {
      const winners = await conditionalUpdateRounds(20, false);
      expect(winners.every((n) => n === 1)).toBe(true);
    }
  });

  it("$inc loses increments on FerretDB (read, modify, write back), never on MongoDB; the service has no counters", async () => {
    const counters = db.collection("counters");
    let final = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const _id = new ObjectId();
      await counters.insertOne({ _id, n: 0 });
      await Promise.all(Array.from({ length: 20 }, () => counters.updateOne({ _id }, { $inc: { n: 1 } })));
      final = (await counters.findOne({ _id }))!.n as number;
      if (final < 20) break;
    }
    if (isFerretDb()) expect(final).toBeLessThan(20);
    else expect(final).toBe(20);
  });
});

describe("TTL indexes", () => {
  it("exist on MongoDB; FerretDB answers not implemented, which the service falls back from", async () => {
    const error = await failure(
      db.collection("expiring").createIndex({ expires_at: 1 }, { name: "expires_at_ttl", expireAfterSeconds: 0 }),
    );
    if (isFerretDb()) expect(isNotImplementedError(error)).toBe(true);
    else expect(error).toBeUndefined();
  });
});
