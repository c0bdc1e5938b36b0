import { type ChildProcess, spawn } from "node:child_process";
import { chmod, chown, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { OutputTail } from "./output-tail";
import type { PostgresBinaries } from "./postgres-binaries";
import type { RunAs } from "./postgres-user";
import { track } from "./process-cleanup";
import { withTimeout } from "./timeout";

/**
 * One throwaway PostgreSQL cluster for FerretDB: initdb into `<dir>/data`, then the server, which
 * listens on a Unix socket in `<dir>/run` only — no TCP port to find, race for or expose, and
 * nobody else on the machine can connect (the directory is private; trust authentication is
 * therefore safe). FerretDB reaches it at `url`.
 *
 * Before the server starts, gin-companions.sql is run in single-user mode: beside every index
 * FerretDB creates, a GIN index its equality lookups can use (that file says why and how). Plans
 * are made for each query's values (`plan_cache_mode=force_custom_plan`): FerretDB sends the field
 * path as a parameter, and only a plan that knows it can match an index on that path.
 *
 * Durability is switched off (fsync, synchronous_commit, full_page_writes): the data is deleted
 * when the server stops, so flushing it to disk would only cost time. Dynamic shared memory lives
 * in the data directory (`dynamic_shared_memory_type=mmap`), so that even a server that had to be
 * SIGKILLed leaves nothing in /dev/shm once its directory is gone.
 *
 * `dir` must not exist yet; the caller removes it after stop(). With `runAs`, the unprivileged
 * user must be able to pass through its parent directories.
 */

export interface PostgresServer {
  readonly pid: number;
  /** For FerretDB's --postgresql-url: the `postgres` database as the `postgres` superuser, over the socket. */
  readonly url: string;
  /** Fast shutdown (SIGINT), escalating to SIGQUIT and SIGKILL; waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  binaries: PostgresBinaries;
  /** An empty directory of ours; the cluster and its socket go in there. */
  dir: string;
  runAs: RunAs | undefined;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

const PORT = 5432; // names the socket file only: .s.PGSQL.5432
const COMPANIONS_SQL = fileURLToPath(new URL("./gin-companions.sql", import.meta.url));
const STOP_GRACE_MS = 5_000;
// sockaddr_un.sun_path holds 108 bytes on Linux (104 on macOS), terminator included.
const MAX_SOCKET_PATH = 103;

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const { binaries, dir, runAs, log, readyTimeoutMs = 30_000 } = options;
  const dataDir = join(dir, "data");
  const runDir = join(dir, "run");
  const socket = join(runDir, `.s.PGSQL.${PORT}`);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(`the socket path ${socket} is too long for a Unix socket (set TMPDIR to a shorter directory)`);
  }
  await mkdir(dir);
  await mkdir(dataDir, { mode: 0o700 });
  await mkdir(runDir, { mode: 0o700 });
  if (runAs) {
    // The unprivileged user must pass through ours to reach its own directories.
    await chmod(dir, 0o711);
    await chown(dataDir, runAs.uid, runAs.gid);
    await chown(runDir, runAs.uid, runAs.gid);
  }
  const asUser = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  // English messages whatever the machine's locale, for the error output we pass on.
  const env = { PATH: process.env.PATH ?? "", LC_ALL: "C", LANG: "C" };

  const initdb = await run(
    binaries.initdb,
    [
      `--pgdata=${dataDir}`,
      "--username=postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions",
    ],
    { ...asUser, env },
  );
  if (initdb.code !== 0) {
    throw new Error(
      `initdb ${describeExit(initdb)}${summary(initdb.output)}${initdb.output ? `\n${initdb.output}` : ""}`,
    );
  }

  // Single-user mode (no client needed): `-j` ends a statement at a semicolon and an empty line;
  // an error ends the run with a non-zero exit.
  const companions = await run(
    binaries.postgres,
    ["--single", "-j", "-D", dataDir, "-c", "exit_on_error=on", "postgres"],
    { ...asUser, env, input: await readFile(COMPANIONS_SQL, "utf8") },
  );
  if (companions.code !== 0) {
    throw new Error(
      `PostgreSQL could not install the index companions (${describeExit(companions)})${summary(companions.output)}`,
    );
  }

  const args = [
    "-D",
    dataDir,
    "-p",
    String(PORT),
    "-c",
    "listen_addresses=",
    "-c",
    `unix_socket_directories=${runDir}`,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "dynamic_shared_memory_type=mmap",
    "-c",
    "plan_cache_mode=force_custom_plan",
  ];
  const child = spawn(binaries.postgres, args, { ...asUser, env, stdio: ["ignore", "pipe", "pipe"] });
  // SIGQUIT: immediate shutdown, which takes PostgreSQL's own child processes along.
  const tracking = track({ pid: child.pid, signal: "SIGQUIT" });
  const output = new OutputTail();
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk));
  const exited = exitOf(child);
  let exitInfo: ExitInfo | undefined;
  void exited.then((info) => {
    exitInfo = info;
    tracking.childExited();
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const signal of ["SIGINT", "SIGQUIT", "SIGKILL"] as const) {
        if (exitInfo) break;
        child.kill(signal);
        await withTimeout(exited, STOP_GRACE_MS);
      }
      await exited;
      tracking.release();
    })());

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitInfo) {
      await stop();
      const tail = output.lastLines();
      throw new Error(`PostgreSQL ${describeExit(exitInfo)} during start-up${summary(tail)}\n${tail}`);
    }
    if (await isReady(dataDir)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL was not ready within ${readyTimeoutMs} ms:\n${output.lastLines()}`);
    }
    await Promise.race([exited, sleep(20)]);
  }

  void exited.then((info) => {
    if (!stopping) log(`PostgreSQL (pid ${child.pid}) ${describeExit(info)} unexpectedly\n${output.lastLines()}`);
  });

  const url = `postgres://postgres@/postgres?host=${encodeURIComponent(runDir)}&port=${PORT}`;
  return { pid: child.pid!, url, stop };
}

/**
 * The postmaster writes its status as the 8th line of postmaster.pid once it accepts connections
 * ("ready"), as pg_ctl reads it: locale-independent, unlike the log line saying so. Reading it as
 * root works whoever owns it; as the same user, too.
 */
async function isReady(dataDir: string): Promise<boolean> {
  try {
    const lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
    return lines[7]?.trim() === "ready";
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    // `on`, not `once`: an unhandled second 'error' (e.g. a failed kill) would crash the parent.
    child.on("error", (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error }); // not started: no 'exit'
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** The line that says what went wrong, for the one-line reason ("FATAL: ...", "initdb: error: ..."). */
function summary(output: string): string {
  const lines = output.split("\n").filter((line) => /\b(FATAL|PANIC|ERROR|error):/.test(line));
  return lines.length > 0 ? `: ${lines[lines.length - 1]!.trim()}` : "";
}

function describeExit(info: ExitInfo): string {
  if (info.error) return `could not be started (${info.error.message})`;
  return `exited (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`})`;
}

/** Runs a short-lived command to completion, with `input` on its stdin, keeping the tail of its output. */
async function run(
  command: string,
  args: string[],
  { input, ...options }: { uid?: number; gid?: number; env: NodeJS.ProcessEnv; input?: string },
): Promise<ExitInfo & { output: string }> {
  const child = spawn(command, args, { ...options, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (input !== undefined) {
    child.stdin!.on("error", () => undefined); // a child that exits early: its exit code says why
    child.stdin!.end(input);
  }
  const tracking = track({ pid: child.pid });
  const output = new OutputTail();
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk));
  const info = await exitOf(child);
  tracking.release();
  return { ...info, output: output.lastLines() };
}
