import { ensureFerretDbBinary, FERRETDB_VERSION } from "./ferretdb-install";
import { startFerretDb } from "./ferretdb-process";
import { tryStartMemoryServer } from "./memory-server";

/**
 * A real MongoDB wire-protocol server for tests and the local run (`pnpm start`).
 *
 * Chosen in this order:
 *  1. `MONGODB_URI` is set: it is used as is; nothing is started and stop() does nothing.
 *  2. mongod via mongodb-memory-server, if a mongod binary is cached or can be downloaded
 *     (bounded in time; see memory-server.ts).
 *  3. FerretDB v1.24.2 with its SQLite backend, built once with Go and cached outside the repo
 *     (see ferretdb-install.ts), on a free loopback port with its data in a fresh temp dir.
 *
 * Environment variables:
 *  MONGODB_URI                    use this server instead of starting one
 *  EMBEDDED_DB=auto|mongod|ferretdb
 *                                 auto (default): the order above; mongod: only
 *                                 mongodb-memory-server, fail if it cannot start; ferretdb: skip
 *                                 mongodb-memory-server (saves its probe on offline machines)
 *  EMBEDDED_DB_MONGOD_TIMEOUT_MS  bound for the mongodb-memory-server start incl. download
 *                                 (default 30 s with a cached binary, 60 s when downloading)
 *  FERRETDB_BIN                   FerretDB binary to run instead of the cached build
 *  XDG_CACHE_HOME                 cache root for the FerretDB build (default ~/.cache)
 *  MONGOMS_*                      read by mongodb-memory-server itself (from process.env)
 *
 * Limits: FerretDB is close to, not identical with, MongoDB (no transactions on a standalone,
 * fewer operators/aggregation stages). The process is stopped and its temp dir removed on exit,
 * on SIGINT/SIGTERM/SIGHUP and — through a watchdog process — when the parent is SIGKILLed (see
 * process-cleanup.ts).
 */

export type EmbeddedDatabaseKind = "external" | "mongod" | "ferretdb";

export interface EmbeddedDatabase {
  /** Connection string, e.g. mongodb://127.0.0.1:41234/ (no database name unless MONGODB_URI had one). */
  readonly uri: string;
  readonly kind: EmbeddedDatabaseKind;
  /** One line for humans: what runs where. */
  readonly description: string;
  /** Server process we started (undefined for "external"). For diagnostics and tests. */
  readonly pid: number | undefined;
  /** FerretDB's temp dir (data + state), removed by stop(). Undefined for other kinds. */
  readonly dataDir: string | undefined;
  /** Stops what we started and removes its data; leaves no process behind. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEmbeddedDatabaseOptions {
  /** Progress and diagnostics (e.g. the one-time FerretDB build). Default: stderr. */
  log?: (line: string) => void;
  /** Configuration source; default process.env. Also the environment of spawned processes. */
  env?: Readonly<Record<string, string | undefined>>;
}

type Mode = "auto" | "mongod" | "ferretdb";

function parseMode(value: string | undefined): Mode {
  const mode = (value ?? "").trim().toLowerCase() || "auto";
  if (mode === "auto" || mode === "mongod" || mode === "ferretdb") return mode;
  throw new Error(`EMBEDDED_DB=${value} is not supported; use "auto" (default), "mongod" or "ferretdb".`);
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new Error(`EMBEDDED_DB_MONGOD_TIMEOUT_MS=${value} is not a positive number`);
  return ms;
}

const defaultLog = (line: string) => process.stderr.write(`[embedded-db] ${line}\n`);

export async function startEmbeddedDatabase(options: StartEmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const { log = defaultLog, env = process.env } = options;

  const external = env.MONGODB_URI?.trim();
  if (external) {
    return {
      uri: external,
      kind: "external",
      description: "external MongoDB from MONGODB_URI",
      pid: undefined,
      dataDir: undefined,
      stop: async () => {},
    };
  }

  const mode = parseMode(env.EMBEDDED_DB);
  if (mode !== "ferretdb") {
    const result = await tryStartMemoryServer({ timeoutMs: parseTimeout(env.EMBEDDED_DB_MONGOD_TIMEOUT_MS) });
    if (result.ok) {
      const { server } = result;
      return {
        uri: server.uri,
        kind: "mongod",
        description: `mongod (mongodb-memory-server) at ${server.uri}`,
        pid: server.pid,
        dataDir: undefined,
        stop: server.stop,
      };
    }
    if (mode === "mongod") {
      throw new Error(
        `EMBEDDED_DB=mongod but ${result.reason}. Unset EMBEDDED_DB to fall back to FerretDB, or set MONGODB_URI.`,
      );
    }
    log(`mongod unavailable (${result.reason}); using FerretDB`);
  }

  const binary = await ensureFerretDbBinary({ env, log });
  const ferret = await startFerretDb({ binary, log, env });
  return {
    uri: ferret.uri,
    kind: "ferretdb",
    description: `FerretDB ${FERRETDB_VERSION} (SQLite) at ${ferret.uri}`,
    pid: ferret.pid,
    dataDir: ferret.dir,
    stop: ferret.stop,
  };
}
