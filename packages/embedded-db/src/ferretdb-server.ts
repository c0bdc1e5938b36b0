import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FerretDbProcess, startFerretDb } from "./ferretdb-process";
import type { PostgresBinaries } from "./postgres-binaries";
import { type PostgresServer, startPostgres } from "./postgres-process";
import type { RunAs } from "./postgres-user";
import { track } from "./process-cleanup";

/**
 * FerretDB with its storage, in one fresh temp dir that stop() removes:
 *   <dir>/ferretdb/   FerretDB's state (and, on SQLite, the SQLite files in ferretdb/data/)
 *   <dir>/postgres/   PostgreSQL's cluster and socket, when FerretDB stores into PostgreSQL
 * PostgreSQL starts first and stops last, so that FerretDB never runs without its storage.
 */

type Env = Readonly<Record<string, string | undefined>>;

export type FerretDbServerStorage =
  | { handler: "sqlite" }
  | { handler: "postgresql"; binaries: PostgresBinaries; runAs: RunAs | undefined };

export interface FerretDbServer {
  readonly uri: string;
  readonly dir: string;
  readonly ferretdb: FerretDbProcess;
  /** Undefined on SQLite. */
  readonly postgres: PostgresServer | undefined;
  /** Stops FerretDB, then PostgreSQL, and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartFerretDbServerOptions {
  binary: string;
  storage: FerretDbServerStorage;
  log: (line: string) => void;
  env?: Env;
}

/** PostgreSQL could not be started: callers may fall back to SQLite. The message says why. */
export class PostgresUnavailableError extends Error {}

export async function startFerretDbServer(options: StartFerretDbServerOptions): Promise<FerretDbServer> {
  const { binary, storage, log, env } = options;
  const dir = await mkdtemp(join(tmpdir(), "org-service-db-"));
  const tracking = track({ dir });
  let postgres: PostgresServer | undefined;
  let ferretdb: FerretDbProcess | undefined;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await ferretdb?.stop();
      await postgres?.stop();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      tracking.release();
    })());

  try {
    if (storage.handler === "postgresql") {
      // mkdtemp made `dir` 0700: PostgreSQL's unprivileged user must pass through it.
      if (storage.runAs) await chmod(dir, 0o711);
      const { binaries, runAs } = storage;
      postgres = await startPostgres({ binaries, runAs, dir: join(dir, "postgres"), log }).catch((err: Error) => {
        throw new PostgresUnavailableError(err.message, { cause: err });
      });
    }
    ferretdb = await startFerretDb({
      binary,
      storage: postgres ? { handler: "postgresql", url: postgres.url } : { handler: "sqlite" },
      dir: join(dir, "ferretdb"),
      log,
      env,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { uri: ferretdb.uri, dir, ferretdb, postgres, stop };
}
