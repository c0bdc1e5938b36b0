import { rmSync } from "node:fs";
import { type WatchHandle, watch } from "./watchdog";

/**
 * Last-resort cleanup of the database processes and temp dirs we created, for when the parent
 * goes away without calling stop() (test runner killed, Ctrl-C on `pnpm start`, an uncaught
 * exception, SIGKILL, ...). Two layers:
 *
 * 1. In this process, as it exits:
 *    - 'exit': signal every tracked child and remove its temp dir, synchronously (nothing async
 *      runs in an 'exit' handler). Covers process.exit(), a drained event loop and uncaught
 *      exceptions.
 *    - SIGINT / SIGTERM / SIGHUP: if nobody else listens for the signal, Node's default would kill
 *      us without running 'exit' handlers, so we clean up and re-raise the signal to keep the
 *      default behaviour (exit status 128+n). If the application has its own handler we leave
 *      shutdown to it: it can stop() the database gracefully, and our 'exit' handler still runs
 *      when it exits.
 * 2. The watchdog (watchdog.ts): a separate process that learns of every registration and, when
 *    this process is gone however it died — SIGKILL and the OOM killer included, which run no
 *    code here — stops what is left, waits for it to exit and removes the dirs. It also finishes
 *    what layer 1 could only start: a synchronous handler cannot wait for PostgreSQL's immediate
 *    shutdown before removing its data directory.
 *
 * Processes are signalled before any dir is removed, each with its own signal: SIGKILL for
 * FerretDB and mongod; SIGQUIT for PostgreSQL, whose immediate shutdown stops its own child
 * processes and releases its shared memory (SIGKILL would leave both behind).
 *
 * Ctrl-C in a terminal also sends SIGINT to the database processes directly (same process group),
 * so they exit by themselves in that case anyway.
 */

interface Tracked {
  pid: number | undefined;
  readonly signal: NodeJS.Signals;
  readonly dir: string | undefined;
}

const tracked = new Set<Tracked>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type HandledSignal = (typeof SIGNALS)[number];

function cleanupAllSync(): void {
  // The watchdog is deliberately not told: it checks for itself once we are gone.
  for (const entry of tracked) {
    if (entry.pid === undefined) continue;
    try {
      process.kill(entry.pid, entry.signal);
    } catch {
      // already gone
    }
  }
  for (const entry of tracked) {
    if (entry.dir === undefined) continue;
    try {
      // A killed child may still be closing files for a moment; retries cover ENOTEMPTY/EBUSY.
      rmSync(entry.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // best effort: the watchdog retries once the processes are gone
    }
  }
  tracked.clear();
  uninstall();
}

function onExit(): void {
  cleanupAllSync();
}

function onSignal(signal: HandledSignal): void {
  // Our own listener counts too: more than one means the application handles this signal.
  if (process.listenerCount(signal) > 1) return;
  cleanupAllSync(); // also removes our listeners, so the re-raised signal gets the default action
  process.kill(process.pid, signal);
}

const signalListeners = new Map<HandledSignal, () => void>(SIGNALS.map((signal) => [signal, () => onSignal(signal)]));
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  for (const [signal, listener] of signalListeners) process.on(signal, listener);
}

/** Handlers are only installed while something is tracked, so we never change signal behaviour otherwise. */
function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", onExit);
  for (const [signal, listener] of signalListeners) process.off(signal, listener);
}

export interface TrackedHandle {
  /** The child has exited: never signal its pid again (it could be reused), but keep the dir. */
  childExited(): void;
  /** stop() finished its own cleanup: forget the entry entirely. */
  release(): void;
}

export interface TrackOptions {
  /** A spawned child to stop. */
  pid?: number | undefined;
  /** What stops it at once. Default SIGKILL. */
  signal?: NodeJS.Signals;
  /** A temp dir to remove, after every tracked child has been signalled. */
  dir?: string | undefined;
}

/** Registers a spawned child and/or a temp dir for emergency cleanup, here and in the watchdog. */
export function track({ pid, signal = "SIGKILL", dir }: TrackOptions): TrackedHandle {
  const entry: Tracked = { pid, signal, dir };
  tracked.add(entry);
  install();
  const watched: WatchHandle = watch({ pid, signal, dir });
  return {
    childExited() {
      entry.pid = undefined;
      watched.exited();
    },
    release() {
      tracked.delete(entry);
      watched.release();
      if (tracked.size === 0) uninstall();
    },
  };
}
