import type { Db } from "mongodb";
import { inject } from "vitest";

/** What the tests run against, for the assertions that differ per server (query plans, concurrency). */
export type Backend = "mongodb" | "ferretdb-postgres" | "ferretdb-sqlite";

export async function backendOf(db: Db): Promise<Backend> {
  const info = await db.command({ buildInfo: 1 });
  if (typeof info.ferretdbVersion !== "string") return "mongodb";
  const kind = inject("embeddedDatabaseKind");
  if (kind === "ferretdb-postgres" || kind === "ferretdb-sqlite") return kind;
  // A FerretDB from MONGODB_URI: its storage shows in its plans, lines of text from SQLite and
  // JSON objects from PostgreSQL.
  const probe = db.collection(`backend_probe_${Date.now()}`);
  await probe.insertOne({ probe: true });
  const explain = await probe.find({ probe: true }).explain("queryPlanner");
  await probe.drop();
  return Array.isArray(explain.queryPlanner?.Plan) ? "ferretdb-sqlite" : "ferretdb-postgres";
}
