import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The parent's side of the watchdog (watchdog-process.mjs): one small process per parent, started
 * with the first registration, told over a pipe what to clean up should the parent die without
 * doing it. A parent killed with SIGKILL runs no code at all, but the kernel closes its end of the
 * pipe, and that is the watchdog's cue.
 *
 * Registration follows each spawn in the same tick (a pipe write completes at once), so only a
 * SIGKILL landing in those microseconds escapes it. Temp dirs are registered before anything is
 * started in them.
 *
 * The watchdog neither keeps the parent's event loop alive nor shares its output streams (a reader
 * waiting for the parent's stdout to close must not wait for the watchdog). If it cannot be
 * started, registrations are dropped silently: the in-process cleanup (process-cleanup.ts) still
 * covers every death but SIGKILL.
 */

const script = fileURLToPath(new URL("./watchdog-process.mjs", import.meta.url));

export interface WatchedEntry {
  /** A process to stop, with the signal that stops it at once (default SIGKILL). */
  pid?: number | undefined;
  signal?: NodeJS.Signals;
  /** A directory to remove once the processes are gone. */
  dir?: string | undefined;
}

export interface WatchHandle {
  /** The process has exited: the watchdog must never signal its pid again (it could be reused). */
  exited(): void;
  /** The parent stopped and removed everything itself. */
  release(): void;
}

let watchdog: ChildProcess | undefined;
let broken = false;
let nextId = 1;

function start(): ChildProcess | undefined {
  if (watchdog || broken) return watchdog;
  // Without NODE_OPTIONS: loaders the parent was started with (tsx, vitest's) are of no use here.
  const { NODE_OPTIONS: _, ...env } = process.env;
  try {
    const child = spawn(process.execPath, [script], { detached: true, stdio: ["pipe", "ignore", "ignore"], env });
    child.on("error", () => {
      broken = true;
      watchdog = undefined;
    });
    child.on("exit", () => {
      if (watchdog === child) watchdog = undefined;
    });
    // A watchdog that died early makes writes fail with EPIPE: not the parent's problem.
    child.stdin!.on("error", () => {});
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    watchdog = child;
  } catch {
    broken = true;
  }
  return watchdog;
}

function send(message: Record<string, unknown>): void {
  const child = start();
  if (child?.stdin?.writable) child.stdin.write(`${JSON.stringify(message)}\n`);
}

/** Registers a process and/or directory with the watchdog. Call right after spawning or creating it. */
export function watch(entry: WatchedEntry): WatchHandle {
  const id = nextId++;
  send({ op: "track", id, pid: entry.pid, signal: entry.signal, dir: entry.dir });
  return {
    exited: () => send({ op: "exited", id }),
    release: () => send({ op: "release", id }),
  };
}

/** The watchdog's pid, if it runs: for tests. */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}
