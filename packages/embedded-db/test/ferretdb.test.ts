import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, MongoServerError } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../src/index";
import { ensureFerretDbBinary } from "../src/ferretdb-install";
import { startFerretDb } from "../src/ferretdb-process";
import { findFreePort } from "../src/free-port";
import {
  acceptsConnections,
  childrenOf,
  FERRETDB_KINDS,
  ferretEnv,
  isProcessAlive,
  portOf,
  quiet,
  waitUntilGone,
} from "./helpers";

describe.each(FERRETDB_KINDS)("%s", (kind) => {
  let db: EmbeddedDatabase;
  let client: MongoClient;

  beforeAll(async () => {
    db = await startEmbeddedDatabase({ env: ferretEnv(kind), log: quiet });
    client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 5_000 });
  });

  afterAll(async () => {
    await client?.close();
    await db?.stop();
  });

  it("serves the MongoDB wire protocol on a loopback port", async () => {
    expect(db.kind).toBe(kind);
    expect(db.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
    // The server answering is the process we started (not something else on that port).
    const status = await client.db("admin").command({ serverStatus: 1 });
    expect(Number(status.pid)).toBe(db.pid);
    const names = db.processes.map((p) => p.name);
    expect(names).toEqual(kind === "ferretdb-postgres" ? ["ferretdb", "postgres"] : ["ferretdb"]);
    expect(db.processes.find((p) => p.name === "ferretdb")?.pid).toBe(db.pid);
    for (const { pid } of db.processes) expect(isProcessAlive(pid)).toBe(true);
  });

  it("enforces unique indexes with error code 11000", async () => {
    const users = client.db("embedded_db_test").collection("users");
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: "a@example.com" });
    const error = await users.insertOne({ email: "a@example.com" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
  });

  it("renames collections", async () => {
    const database = client.db("embedded_db_test");
    await database.collection("before").insertOne({ x: 1 });
    await database.renameCollection("before", "after");
    const names = (await database.listCollections().toArray()).map((c) => c.name);
    expect(names).toContain("after");
    expect(names).not.toContain("before");
    expect(await database.collection("after").findOne({}, { projection: { _id: 0 } })).toEqual({ x: 1 });
  });
});

describe.each(FERRETDB_KINDS)("%s lifecycle", (kind) => {
  it("stop() ends every process, frees the port and removes the temp dir; it is idempotent", async () => {
    const db = await startEmbeddedDatabase({ env: ferretEnv(kind), log: quiet });
    const port = portOf(db.uri);
    const postgres = db.processes.find((p) => p.name === "postgres");
    // PostgreSQL's own workers (checkpointer, walwriter, FerretDB's connections, ...) must go too.
    const workers = postgres ? childrenOf(postgres.pid) : [];
    if (postgres) expect(workers.length).toBeGreaterThan(0);
    expect(existsSync(db.dataDir!)).toBe(true);
    expect(await acceptsConnections(port)).toBe(true);

    await db.stop();

    for (const pid of [...db.processes.map((p) => p.pid), ...workers]) expect(isProcessAlive(pid)).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
    expect(existsSync(db.dataDir!)).toBe(false);
    await db.stop(); // second call: no error
  });

  it("runs several instances side by side, isolated from each other", async () => {
    const [a, b] = await Promise.all([
      startEmbeddedDatabase({ env: ferretEnv(kind), log: quiet }),
      startEmbeddedDatabase({ env: ferretEnv(kind), log: quiet }),
    ]);
    try {
      expect(a.uri).not.toBe(b.uri);
      expect(a.dataDir).not.toBe(b.dataDir);
      const ca = new MongoClient(a.uri);
      const cb = new MongoClient(b.uri);
      try {
        await ca.db("iso").collection("c").insertOne({ from: "a" });
        expect(await cb.db("iso").collection("c").countDocuments()).toBe(0);
      } finally {
        await ca.close();
        await cb.close();
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

// The port logic is FerretDB's, whatever it stores into: exercised on SQLite, which starts fastest.
describe("FerretDB's port", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "embedded-db-port-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is retried with another one when the chosen one is taken", async () => {
    const binary = await ensureFerretDbBinary({ env: ferretEnv("ferretdb-sqlite"), log: quiet });
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    const offered: number[] = [];
    const lines: string[] = [];
    const ferret = await startFerretDb({
      binary,
      storage: { handler: "sqlite" },
      dir: join(dir, "retry"),
      log: (line) => lines.push(line),
      findPort: async () => {
        const port = offered.length === 0 ? busyPort : await findFreePort();
        offered.push(port);
        return port;
      },
    });
    try {
      expect(offered).toHaveLength(2);
      expect(ferret.port).toBe(offered[1]);
      expect(lines.join("\n")).toContain(`port ${busyPort} was taken`);
      const client = new MongoClient(ferret.uri);
      try {
        expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await ferret.stop();
      blocker.close();
    }
    expect(await waitUntilGone(ferret.pid)).toBe(true);
  });

  it("fails with FerretDB's own error output when the server cannot start", async () => {
    const binary = await ensureFerretDbBinary({ env: ferretEnv("ferretdb-sqlite"), log: quiet });
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startFerretDb({
          binary,
          storage: { handler: "sqlite" },
          dir: join(dir, "busy"),
          log: quiet,
          findPort: async () => busyPort,
          maxPortAttempts: 2,
        }),
      ).rejects.toThrow(/address already in use/);
    } finally {
      blocker.close();
    }
  });
});
