import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../src/index";
import { waitUntilGone } from "./helpers";

// Environment-dependent by nature: with a cached/downloadable mongod we get "mongod", otherwise
// (e.g. no internet) the fall-through to FerretDB must be quick, onto PostgreSQL where it can
// start and onto SQLite, saying why, where it cannot. Every outcome must be usable.
describe("default order (EMBEDDED_DB unset)", () => {
  it("yields a working database, falling through to FerretDB quickly when mongod is unavailable", async () => {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.MONGODB_URI;
    delete env.EMBEDDED_DB;
    const lines: string[] = [];
    const started = Date.now();
    const db = await startEmbeddedDatabase({ env, log: (line) => lines.push(line) });
    const elapsed = Date.now() - started;
    try {
      expect(["mongod", "ferretdb-postgres", "ferretdb-sqlite"]).toContain(db.kind);
      if (db.kind !== "mongod") {
        expect(lines.join("\n")).toMatch(/mongod unavailable \(.+\); using FerretDB/);
        // Generous bound for loaded CI machines; offline it is a second or two.
        expect(elapsed).toBeLessThan(20_000);
      }
      if (db.kind === "ferretdb-sqlite") {
        expect(lines.join("\n")).toMatch(/FerretDB on SQLite, as PostgreSQL cannot start here: .+/);
      }
      const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await db.stop();
    }
    for (const { pid } of db.processes) expect(await waitUntilGone(pid)).toBe(true);
  });
});
