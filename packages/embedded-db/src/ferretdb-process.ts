import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MongoClient } from "mongodb";
import { findFreePort } from "./free-port";
import { OutputTail } from "./output-tail";
import { track } from "./process-cleanup";
import { withTimeout } from "./timeout";

/**
 * Runs one FerretDB process on a free loopback port, with its state (and, on SQLite, its data) in
 * a directory of the caller's, and stops it again without leaving a process behind.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Where FerretDB keeps the documents: SQLite files in `dir`, or a PostgreSQL server. */
export type FerretDbStorage = { handler: "sqlite" } | { handler: "postgresql"; url: string };

export interface FerretDbProcess {
  readonly uri: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a grace period; waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartFerretDbOptions {
  binary: string;
  storage: FerretDbStorage;
  /** An existing directory of the caller's, removed by the caller after stop(). */
  dir: string;
  log: (line: string) => void;
  env?: Env;
  /** Injectable for tests; default: a free port from the kernel. */
  findPort?: () => Promise<number>;
  /** Per attempt: how long to wait for the server to answer `ping`. */
  readyTimeoutMs?: number;
  /** Attempts with a different port when the chosen one turned out to be taken. */
  maxPortAttempts?: number;
}

const STOP_GRACE_MS = 5_000;

class PortInUseError extends Error {}

export async function startFerretDb(options: StartFerretDbOptions): Promise<FerretDbProcess> {
  const { findPort = () => findFreePort(), maxPortAttempts = 5 } = options;
  for (let attempt = 1; ; attempt++) {
    const port = await findPort();
    try {
      return await startOnPort(port, options);
    } catch (err) {
      // findFreePort() cannot reserve the port; someone may have taken it before FerretDB bound it.
      if (err instanceof PortInUseError && attempt < maxPortAttempts) {
        options.log(`port ${port} was taken (${err.message}); retrying with another port`);
        continue;
      }
      throw err;
    }
  }
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

function storageArgs(storage: FerretDbStorage, dir: string): string[] {
  if (storage.handler === "postgresql") return ["--handler=postgresql", `--postgresql-url=${storage.url}`];
  // A directory URI (one SQLite file per database); FerretDB requires the trailing slash.
  return ["--handler=sqlite", `--sqlite-url=file:${join(dir, "data")}/`];
}

async function startOnPort(port: number, options: StartFerretDbOptions): Promise<FerretDbProcess> {
  const { binary, storage, dir, log, env = process.env, readyTimeoutMs = 30_000 } = options;
  const stateDir = join(dir, "state");
  await mkdir(stateDir, { recursive: true });
  if (storage.handler === "sqlite") await mkdir(join(dir, "data"), { recursive: true });

  const args = [
    ...storageArgs(storage, dir),
    `--listen-addr=127.0.0.1:${port}`,
    "--debug-addr=-", // no HTTP debug listener: it would need a second free port
    "--telemetry=disable",
    `--state-dir=${stateDir}`,
    "--log-level=error",
  ];
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const tracking = track({ pid: child.pid });
  const output = new OutputTail();
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    // `on`, not `once`: an unhandled second 'error' (e.g. a failed kill) would crash the parent.
    child.on("error", (error) => {
      // spawn failure (ENOENT/EACCES): 'exit' will not follow
      if (child.pid !== undefined) return;
      exitInfo = { code: null, signal: null, error };
      resolve(exitInfo);
    });
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  void exited.then(() => tracking.childExited());

  const uri = `mongodb://127.0.0.1:${port}/`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exitInfo) {
        child.kill("SIGTERM");
        if ((await withTimeout(exited, STOP_GRACE_MS)).timedOut) child.kill("SIGKILL");
        await exited;
      }
      tracking.release();
    })());

  const describeExit = (info: ExitInfo) =>
    info.error
      ? `could not be started (${info.error.message})`
      : `exited during start-up (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`})`;
  const failure = async (message: string, ErrorClass: new (message: string) => Error = Error): Promise<never> => {
    await stop();
    const tail = output.lastLines();
    throw new ErrorClass(
      `${message}\ncommand: ${binary} ${args.join(" ")}${tail ? `\nFerretDB output:\n${tail}` : ""}`,
    );
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitInfo) {
      const message = `FerretDB ${describeExit(exitInfo)}`;
      return failure(message, /address already in use/i.test(output.lastLines()) ? PortInUseError : Error);
    }
    // Racing with `exited`: a port squatter that accepts TCP but never answers must not cost us
    // the full server selection timeout once our child has already died.
    const answeredPid = await Promise.race([pingServerPid(uri), exited.then(() => undefined)]);
    if (answeredPid !== undefined) {
      // Guards against the port having been taken by some other server that answers instead of
      // our child (which then fails to bind and exits): serverStatus reports the server's pid.
      if (answeredPid !== child.pid) {
        return failure(`another server (pid ${answeredPid}) answers on port ${port}`, PortInUseError);
      }
      break;
    }
    if (Date.now() > deadline) {
      return failure(`FerretDB did not answer ping on ${uri} within ${readyTimeoutMs} ms`);
    }
    await Promise.race([exited, sleep(100)]);
  }

  // An unexpected death later on would otherwise only show up as connection errors in tests.
  void exited.then((info) => {
    if (!stopping)
      log(
        `FerretDB (pid ${child.pid}) ${describeExit(info).replace("during start-up", "unexpectedly")}\n${output.lastLines()}`,
      );
  });

  return { uri, port, pid: child.pid!, stop };
}

/** `ping` + `serverStatus`; returns the server's pid, or undefined if it does not answer (yet). */
async function pingServerPid(uri: string): Promise<number | undefined> {
  const client = new MongoClient(uri, {
    directConnection: true,
    serverSelectionTimeoutMS: 1_000,
    connectTimeoutMS: 1_000,
    monitorCommands: false,
  });
  try {
    const admin = client.db("admin");
    await admin.command({ ping: 1 });
    const status = await admin.command({ serverStatus: 1 });
    return Number(status.pid);
  } catch {
    return undefined;
  } finally {
    await client.close().catch(() => {});
  }
}
