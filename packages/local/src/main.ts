import { register } from "node:module";
import { closeDatabase, resetConfig } from "@org-service/core";
import { startEmbeddedDatabase } from "@org-service/embedded-db";
import { startLocalServer } from "./server";
import { exitIfMisconfigured, startSettings } from "./settings";

/**
 * `pnpm start`: the whole service on one machine, no AWS account needed. Uses MONGODB_URI when
 * set, otherwise starts an embedded database that lives exactly as long as this process.
 */
// The whole configuration first: a wrong value ends the command here, before any database starts.
const { host, port } = exitIfMisconfigured(() => startSettings(process.env));

// Handlers that serve files (the dashboard, the API docs) import them as `<file>?raw` text.
register("./text-import-hooks.ts", import.meta.url);

const db = await startEmbeddedDatabase({ log: (line) => console.log(line) });
process.env.MONGODB_URI = db.uri;
resetConfig();

let server: Awaited<ReturnType<typeof startLocalServer>>;
try {
  server = await startLocalServer({ host, port });
} catch (error) {
  await db.stop();
  throw error;
}
console.log(`org-service listening on ${server.url} (pid ${process.pid}, database: ${db.kind}; Ctrl-C stops)`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping`);
  await server.close().catch(() => undefined);
  await closeDatabase().catch(() => undefined);
  await db.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
