import { ensureFerretDbBinary, FERRETDB_VERSION } from "./ferretdb-install";
import { type FerretDbServer, PostgresUnavailableError, startFerretDbServer } from "./ferretdb-server";
import { type EmbeddedDatabaseGroup, group, startGroup } from "./group";
import { type MemoryServerHandle, tryStartMemoryServer } from "./memory-server";
import { findPostgresBinaries } from "./postgres-binaries";
import { postgresRunAs } from "./postgres-user";

/**
 * A real MongoDB wire-protocol server for tests and the local run (`pnpm start`).
 *
 * Chosen in this order:
 *  1. `MONGODB_URI` is set: it is used as is; nothing is started and stop() does nothing.
 *  2. mongod via mongodb-memory-server, if a mongod binary is cached or can be downloaded
 *     (bounded in time; see memory-server.ts).
 *  3. FerretDB v1.24.2 (built once with Go and cached outside the repo, see ferretdb-install.ts)
 *     on a free loopback port, storing into a PostgreSQL server of its own (the binaries come
 *     from npm, see postgres-binaries.ts) that listens on a Unix socket only. Both live in one
 *     fresh temp dir. PostgreSQL lets FerretDB evaluate filters in SQL, so lookups stay fast as
 *     collections grow.
 *  4. The same FerretDB on SQLite, when PostgreSQL cannot start here; one log line says why.
 *     It reads whole collections for every query: correct, but slower as data grows.
 *
 * Environment variables:
 *  MONGODB_URI                    use this server instead of starting one
 *  EMBEDDED_DB                    auto (default): the order above;
 *                                 mongod: only mongodb-memory-server, fail if it cannot start;
 *                                 ferretdb-postgres / ferretdb-sqlite: only that one, fail if it
 *                                 cannot start;
 *                                 ferretdb: skip mongod, then as auto (PostgreSQL, else SQLite) —
 *                                 what the value meant before there were two backends
 *  EMBEDDED_DB_MONGOD_TIMEOUT_MS  bound for the mongodb-memory-server start incl. download
 *                                 (default 30 s with a cached binary, 60 s when downloading)
 *  FERRETDB_BIN                   FerretDB binary to run instead of the cached build
 *  XDG_CACHE_HOME                 cache root for the FerretDB build (default ~/.cache)
 *  MONGOMS_*                      read by mongodb-memory-server itself (from process.env)
 *
 * Whatever was started stops, and its temp dir goes, on stop(), on exit, on SIGINT/SIGTERM/SIGHUP
 * and — through a watchdog process — when the parent is SIGKILLed (see process-cleanup.ts).
 *
 * startEmbeddedDatabases(count) starts `count` independent servers the same way (one backend for
 * all, each with its own port, processes and temp dir; in parallel), for tests that need several
 * deployments at once. With MONGODB_URI it returns `count` entries with that one URI: callers then
 * keep them apart by database name.
 *
 * Limits: FerretDB is close to, not identical with, MongoDB (no transactions on a standalone,
 * fewer operators/aggregation stages; docs/database.md).
 */

export type { EmbeddedDatabaseGroup } from "./group";

export type EmbeddedDatabaseKind = "external" | "mongod" | "ferretdb-postgres" | "ferretdb-sqlite";

export interface EmbeddedProcess {
  readonly name: "mongod" | "ferretdb" | "postgres";
  readonly pid: number;
}

export interface EmbeddedDatabase {
  /** Connection string, e.g. mongodb://127.0.0.1:41234/ (no database name unless MONGODB_URI had one). */
  readonly uri: string;
  readonly kind: EmbeddedDatabaseKind;
  /** One line for humans: what runs where. */
  readonly description: string;
  /** The wire-protocol server we started (mongod or FerretDB); undefined for "external". */
  readonly pid: number | undefined;
  /** Every process we started, e.g. FerretDB and PostgreSQL. For diagnostics and tests. */
  readonly processes: readonly EmbeddedProcess[];
  /** The FerretDB kinds' temp dir (all their data and state), removed by stop(). Undefined for other kinds. */
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

type Env = Readonly<Record<string, string | undefined>>;
type Mode = "auto" | "mongod" | "ferretdb" | "ferretdb-postgres" | "ferretdb-sqlite";
const MODES: readonly Mode[] = ["auto", "mongod", "ferretdb-postgres", "ferretdb-sqlite", "ferretdb"];

function parseMode(value: string | undefined): Mode {
  const mode = (value ?? "").trim().toLowerCase() || "auto";
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode;
  throw new Error(
    `EMBEDDED_DB=${value} is not supported; use "auto" (default), "mongod", "ferretdb-postgres", "ferretdb-sqlite" or "ferretdb".`,
  );
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
  const { servers } = await startEmbeddedDatabases(1, options);
  return servers[0]!;
}

/**
 * `count` independent servers, chosen as for startEmbeddedDatabase (same environment variables,
 * same order, one backend for all of them): each with its own port, processes and temp dir, so
 * data written to one is not seen by another. The one-time work (finding or building FerretDB,
 * finding PostgreSQL, a mongod download) is done once; then the servers start in parallel.
 * Should one fail to start, those that did are stopped again before the error is thrown. In auto
 * mode, if PostgreSQL cannot start for any of them, all of them run on SQLite instead (one kind
 * per group).
 *
 * With MONGODB_URI set, nothing is started: the result holds `count` entries of kind "external"
 * with that same URI, so callers that need the servers kept apart must separate them by database
 * name themselves.
 *
 * Each server stops on its own stop() as well as on the group's, and all of them go on exit, on
 * signals and when the parent is SIGKILLed, as a single server does.
 */
export async function startEmbeddedDatabases(
  count: number,
  options: StartEmbeddedDatabaseOptions = {},
): Promise<EmbeddedDatabaseGroup> {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`startEmbeddedDatabases: count must be a positive integer, not ${count}`);
  }
  const { log = defaultLog, env = process.env } = options;

  const external = env.MONGODB_URI?.trim();
  if (external) {
    const server: EmbeddedDatabase = {
      uri: external,
      kind: "external",
      description: "external MongoDB from MONGODB_URI",
      pid: undefined,
      processes: [],
      dataDir: undefined,
      stop: async () => {},
    };
    return group(Array.from({ length: count }, () => server));
  }

  const mode = parseMode(env.EMBEDDED_DB);
  if (mode === "auto" || mode === "mongod") {
    const timeoutMs = parseTimeout(env.EMBEDDED_DB_MONGOD_TIMEOUT_MS);
    const result = await tryStartMemoryServer({ timeoutMs });
    if (result.ok) {
      // The first start found (or downloaded) the binary: the others need not wait for that.
      const first = describeMongod(result.server);
      return startGroup(count, async (index) => {
        if (index === 0) return first;
        const next = await tryStartMemoryServer({ timeoutMs });
        if (!next.ok) throw new Error(`mongod started once, but not again: ${next.reason}`);
        return describeMongod(next.server);
      });
    }
    if (mode === "mongod") {
      throw new Error(
        `EMBEDDED_DB=mongod but ${result.reason}. Unset EMBEDDED_DB to fall back to FerretDB, or set MONGODB_URI.`,
      );
    }
    log(`mongod unavailable (${result.reason}); using FerretDB`);
  }

  const binary = await ensureFerretDbBinary({ env, log });
  if (mode !== "ferretdb-sqlite") {
    try {
      return await startOnPostgres(count, binary, log, env);
    } catch (err) {
      if (!(err instanceof PostgresUnavailableError)) throw err;
      const reason = firstLine(err.message);
      if (mode === "ferretdb-postgres") {
        throw new Error(`EMBEDDED_DB=ferretdb-postgres but PostgreSQL cannot start: ${reason}`, { cause: err });
      }
      log(`FerretDB on SQLite, as PostgreSQL cannot start here: ${reason}`);
    }
  }
  return startGroup(count, async () => {
    const server = await startFerretDbServer({ binary, storage: { handler: "sqlite" }, log, env });
    return describe(server, "ferretdb-sqlite", `FerretDB ${FERRETDB_VERSION} on SQLite at ${server.uri}`);
  });
}

function describeMongod(server: MemoryServerHandle): EmbeddedDatabase {
  return {
    uri: server.uri,
    kind: "mongod",
    description: `mongod (mongodb-memory-server) at ${server.uri}`,
    pid: server.pid,
    processes: server.pid === undefined ? [] : [{ name: "mongod", pid: server.pid }],
    dataDir: undefined,
    stop: server.stop,
  };
}

async function startOnPostgres(
  count: number,
  binary: string,
  log: (line: string) => void,
  env: Env,
): Promise<EmbeddedDatabaseGroup> {
  let storage: { handler: "postgresql" } & Awaited<ReturnType<typeof postgresStorage>>;
  try {
    storage = { handler: "postgresql", ...(await postgresStorage()) };
  } catch (err) {
    throw new PostgresUnavailableError((err as Error).message, { cause: err });
  }
  const { version, source } = storage.binaries;
  const as = storage.runAs ? `, run as ${storage.runAs.name}` : "";
  return startGroup(count, async () => {
    const server = await startFerretDbServer({ binary, storage, log, env });
    return describe(
      server,
      "ferretdb-postgres",
      `FerretDB ${FERRETDB_VERSION} on ${version} (${source}${as}) at ${server.uri}`,
    );
  });
}

async function postgresStorage() {
  const runAs = await postgresRunAs();
  return { runAs, binaries: await findPostgresBinaries(runAs) };
}

function describe(server: FerretDbServer, kind: EmbeddedDatabaseKind, description: string): EmbeddedDatabase {
  const processes: EmbeddedProcess[] = [{ name: "ferretdb", pid: server.ferretdb.pid }];
  if (server.postgres) processes.push({ name: "postgres", pid: server.postgres.pid });
  return {
    uri: server.uri,
    kind,
    description,
    pid: server.ferretdb.pid,
    processes,
    dataDir: server.dir,
    stop: server.stop,
  };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
