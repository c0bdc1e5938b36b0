import { describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../src/index";

describe("MONGODB_URI", () => {
  it("is returned as is and nothing is started", async () => {
    const uri = "mongodb://db.example.invalid:27017/orgs?retryWrites=false";
    const lines: string[] = [];
    const started = Date.now();
    // EMBEDDED_DB=mongod would fail on machines without mongod: proves it is not even consulted.
    const db = await startEmbeddedDatabase({
      env: { MONGODB_URI: uri, EMBEDDED_DB: "mongod", FERRETDB_BIN: "/nonexistent" },
      log: (line) => lines.push(line),
    });
    expect(Date.now() - started).toBeLessThan(500);
    expect(db).toMatchObject({ uri, kind: "external", pid: undefined, dataDir: undefined });
    expect(lines).toEqual([]);
    await db.stop();
    await db.stop();
  });
});

describe("EMBEDDED_DB", () => {
  it("rejects unknown values with a helpful message", async () => {
    await expect(startEmbeddedDatabase({ env: { EMBEDDED_DB: "postgres" }, log: () => {} })).rejects.toThrow(
      /EMBEDDED_DB=postgres is not supported; use "auto" \(default\), "mongod", "ferretdb-postgres", "ferretdb-sqlite" or "ferretdb"/,
    );
  });
});
