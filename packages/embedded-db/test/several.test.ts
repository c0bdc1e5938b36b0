import { existsSync } from "node:fs";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGroup } from "../src/group";
import {
  type EmbeddedDatabase,
  type EmbeddedDatabaseGroup,
  startEmbeddedDatabase,
  startEmbeddedDatabases,
} from "../src/index";
import { acceptsConnections, childrenOf, ferretEnv, isProcessAlive, portOf, quiet } from "./helpers";

/** Every process a server consists of, PostgreSQL's workers included. */
function processesOf(db: EmbeddedDatabase): number[] {
  const postgres = db.processes.find((p) => p.name === "postgres");
  return [...db.processes.map((p) => p.pid), ...(postgres ? childrenOf(postgres.pid) : [])];
}

// PostgreSQL is where servers side by side could get in each other's way (sockets, shared memory,
// the unprivileged user when we are root); SQLite shares the group code and FerretDB's port logic.
describe("three FerretDB servers on PostgreSQL", () => {
  let group: EmbeddedDatabaseGroup;
  let clients: MongoClient[];
  let pids: number[];

  beforeAll(async () => {
    group = await startEmbeddedDatabases(3, { env: ferretEnv("ferretdb-postgres"), log: quiet });
    clients = group.servers.map((db) => new MongoClient(db.uri, { serverSelectionTimeoutMS: 5_000 }));
    pids = group.servers.flatMap(processesOf);
  });

  afterAll(async () => {
    await Promise.all(clients?.map((client) => client.close()) ?? []);
    await group?.stop();
  });

  it("are three distinct servers, each its own processes, port and temp dir", async () => {
    const { servers } = group;
    expect(servers).toHaveLength(3);
    for (const db of servers) {
      expect(db.kind).toBe("ferretdb-postgres");
      expect(existsSync(db.dataDir!)).toBe(true);
    }
    const distinct = (values: unknown[]) => new Set(values).size;
    expect(distinct(servers.map((db) => db.uri))).toBe(3);
    expect(distinct(servers.map((db) => portOf(db.uri)))).toBe(3);
    expect(distinct(servers.map((db) => db.dataDir))).toBe(3);
    expect(distinct(pids)).toBe(pids.length);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(true);
    // Each URI reaches the FerretDB process started for it.
    for (const [i, client] of clients.entries()) {
      const status = await client.db("admin").command({ serverStatus: 1 });
      expect(Number(status.pid)).toBe(servers[i]!.pid);
    }
  });

  it("keep their data apart", async () => {
    await Promise.all(clients.map((client, i) => client.db("cells").collection("tenants").insertOne({ cell: i })));
    const seen = await Promise.all(
      clients.map((client) =>
        client
          .db("cells")
          .collection("tenants")
          .find({}, { projection: { _id: 0 } })
          .toArray(),
      ),
    );
    expect(seen).toEqual([[{ cell: 0 }], [{ cell: 1 }], [{ cell: 2 }]]);
  });

  it("stop() ends every process of every server and removes every temp dir; it is idempotent", async () => {
    await Promise.all(clients.map((client) => client.close()));
    await group.stop();
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    for (const db of group.servers) {
      expect(await acceptsConnections(portOf(db.uri))).toBe(false);
      expect(existsSync(db.dataDir!)).toBe(false);
    }
    await group.stop();
  });
});

describe("a group whose start fails", () => {
  it("stops the servers that did start before the error reaches the caller", async () => {
    const started: EmbeddedDatabase[] = [];
    const failure = new Error("the second server cannot start");
    await expect(
      startGroup(3, async (index) => {
        if (index === 1) throw failure;
        const db = await startEmbeddedDatabase({ env: ferretEnv("ferretdb-sqlite"), log: quiet });
        started.push(db);
        return db;
      }),
    ).rejects.toBe(failure);
    expect(started).toHaveLength(2);
    for (const db of started) {
      for (const { pid } of db.processes) expect(isProcessAlive(pid)).toBe(false);
      expect(existsSync(db.dataDir!)).toBe(false);
    }
  });
});

describe("startEmbeddedDatabases with MONGODB_URI", () => {
  it("returns `count` external entries with that same URI and starts nothing", async () => {
    const uri = "mongodb://db.example.invalid:27017/?retryWrites=false";
    const group = await startEmbeddedDatabases(2, {
      env: { MONGODB_URI: uri, EMBEDDED_DB: "mongod", FERRETDB_BIN: "/nonexistent" },
      log: quiet,
    });
    expect(group.servers).toHaveLength(2);
    for (const db of group.servers) expect(db).toMatchObject({ uri, kind: "external", pid: undefined });
    await group.stop();
  });

  it("rejects a count that is not a positive integer", async () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      await expect(startEmbeddedDatabases(count, { env: { MONGODB_URI: "mongodb://x/" } })).rejects.toThrow(
        /count must be a positive integer/,
      );
    }
  });
});
