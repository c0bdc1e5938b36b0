import { lookup } from "node:dns/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DryMongoBinary, MongoMemoryServer } from "mongodb-memory-server";
import { track } from "./process-cleanup";
import { withTimeout } from "./timeout";

/**
 * Tries a real mongod through mongodb-memory-server, bounded in time so that machines without
 * internet (where the mongod download cannot work) fall through to FerretDB within seconds.
 *
 * - If a mongod binary is already available (download cache, MONGOMS_SYSTEM_BINARY, ...), it is
 *   started; that normally takes a second or two.
 * - Otherwise mongodb-memory-server would download one. Unreachable download hosts are detected
 *   up front with a DNS lookup (an offline machine fails that instantly, whereas the download
 *   itself retries for ~7 s, or up to minutes when packets are silently dropped). The probe is
 *   skipped when an HTTP(S) proxy is configured, as the proxy may be the only thing that resolves.
 * - Either way the whole start is bounded by `timeoutMs`. A start abandoned at the timeout keeps
 *   running in the background (mongodb-memory-server cannot be cancelled); if it succeeds later,
 *   the server is stopped right away, but a completed download stays cached for the next run.
 * - mongod and its data dir are registered with process-cleanup.ts like FerretDB, so they do not
 *   outlive the parent either, however it exits.
 *
 * mongodb-memory-server reads its own MONGOMS_* settings from process.env, so they are read from
 * there here as well.
 */

export interface MemoryServerHandle {
  readonly uri: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export type MemoryServerResult = { ok: true; server: MemoryServerHandle } | { ok: false; reason: string };

const DNS_PROBE_TIMEOUT_MS = 3_000;

async function findCachedMongod(): Promise<string | undefined> {
  try {
    return await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
  } catch {
    return undefined;
  }
}

async function downloadHostUnreachable(): Promise<string | undefined> {
  const env = process.env;
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) return undefined;
  let host: string;
  try {
    host = new URL(env.MONGOMS_DOWNLOAD_URL ?? env.MONGOMS_DOWNLOAD_MIRROR ?? "https://fastdl.mongodb.org").hostname;
  } catch {
    return undefined; // let mongodb-memory-server report its own configuration error
  }
  try {
    const resolved = await withTimeout(lookup(host), DNS_PROBE_TIMEOUT_MS);
    return resolved.timedOut ? `DNS lookup of ${host} timed out` : undefined;
  } catch (err) {
    return `cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/** `timeoutMs` default: 30 s when a mongod binary is available, 60 s when it must be downloaded. */
export async function tryStartMemoryServer({
  timeoutMs,
}: {
  timeoutMs?: number | undefined;
} = {}): Promise<MemoryServerResult> {
  const cached = await findCachedMongod();
  timeoutMs ??= cached ? 30_000 : 60_000;
  if (!cached) {
    const unreachable = await downloadHostUnreachable();
    if (unreachable) return { ok: false, reason: `no cached mongod binary and ${unreachable}` };
  }

  // Like MongoMemoryServer.create(), but with a data dir of our own: on a failed start
  // mongodb-memory-server keeps (leaks) the temp dir it created, "for investigation".
  const dbPath = await mkdtemp(join(tmpdir(), "org-service-mongod-"));
  // Emergency cleanup (process exit, SIGINT/SIGTERM) of the dir and, once started, of mongod.
  let tracking = track({ dir: dbPath });
  const removeDbPath = async () => {
    await rm(dbPath, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    tracking.release();
  };
  const server = new MongoMemoryServer({ instance: { dbPath } });
  const pending = server.start();
  const settled = await withTimeout(
    pending.then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error: error ?? new Error("unknown error") }),
    ),
    timeoutMs,
  );
  if (settled.timedOut) {
    void pending
      .then(() => server.stop({ doCleanup: true, force: true }))
      .catch(() => {})
      .finally(removeDbPath)
      .catch(() => {});
    return { ok: false, reason: `mongodb-memory-server did not start within ${timeoutMs} ms` };
  }
  const { error } = settled.value;
  if (error !== undefined) {
    await removeDbPath();
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `mongodb-memory-server failed: ${message.split("\n")[0]}` };
  }
  const mongod = server.instanceInfo?.instance.mongodProcess;
  tracking.release();
  tracking = track({ pid: mongod?.pid, dir: dbPath });
  if (mongod) {
    if (mongod.exitCode !== null || mongod.signalCode !== null) tracking.childExited();
    else mongod.once("exit", () => tracking.childExited());
  }
  return {
    ok: true,
    server: {
      uri: server.getUri(),
      pid: mongod?.pid,
      async stop() {
        await server.stop({ doCleanup: true, force: true });
        await removeDbPath();
      },
    },
  };
}
