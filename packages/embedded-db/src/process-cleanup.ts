import { rmSync } from "node:fs";

/**
 * Last-resort cleanup of database processes we spawned, for when the parent goes away without
 * calling stop() (test runner killed, Ctrl-C on `pnpm start`, an uncaught exception, ...).
 *
 * - 'exit': SIGKILL every tracked child and remove its temp dir, synchronously (nothing async runs
 *   in an 'exit' handler). Covers process.exit(), a drained event loop and uncaught exceptions.
 * - SIGINT / SIGTERM / SIGHUP: if nobody else listens for the signal, Node's default would kill
 *   us without running 'exit' handlers, so we clean up and re-raise the signal to keep the default
 *   behaviour (exit status 128+n). If the application has its own handler we leave shutdown to it:
 *   it can stop() the database gracefully, and our 'exit' handler still runs when it exits.
 *
 * Limits (documented, not solved): a parent killed with SIGKILL (or by the OOM killer) cannot run
 * any code, so its FerretDB child is orphaned and its temp dir stays in os.tmpdir(). A watchdog
 * process or prctl(PR_SET_PDEATHSIG) would fix that but is not worth the complexity here. Note that
 * Ctrl-C in a terminal also sends SIGINT to the child directly (same process group), so FerretDB
 * exits by itself in that case anyway.
 */

interface TrackedChild {
  pid: number | undefined;
  readonly dir: string;
}

const tracked = new Set<TrackedChild>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type HandledSignal = (typeof SIGNALS)[number];

function cleanupAllSync(): void {
  for (const child of tracked) {
    if (child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    try {
      // The killed child may still be closing files for a moment; retries cover ENOTEMPTY/EBUSY.
      rmSync(child.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // best effort: it is a temp dir
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

/** Handlers are only installed while a child is alive, so we never change signal behaviour otherwise. */
function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", onExit);
  for (const [signal, listener] of signalListeners) process.off(signal, listener);
}

export interface TrackedChildHandle {
  /** The child has exited: never signal its pid again (it could be reused), but keep the dir. */
  childExited(): void;
  /** stop() finished its own cleanup: forget the child entirely. */
  release(): void;
}

/** Registers a spawned child (and the temp dir it uses) for emergency cleanup. */
export function trackChild(pid: number | undefined, dir: string): TrackedChildHandle {
  const child: TrackedChild = { pid, dir };
  tracked.add(child);
  install();
  return {
    childExited() {
      child.pid = undefined;
    },
    release() {
      tracked.delete(child);
      if (tracked.size === 0) uninstall();
    },
  };
}
