import { dispatchEvents, onEventsAppended, type DispatchOptions } from "@org-service/core";
import { logger, redact } from "@org-service/core/logger";

/** How often the local run looks for retries that fell due (deployed: the scheduled dispatcher). */
const RETRY_PASS_MS = 2_000;

export interface EventDispatcher {
  /** Run a pass now, or once more after the one running: appends between two reads are never left waiting. */
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Delivery in the local server's process, as the dispatcher function is deployed: a pass on every
 * append (core's signal), and one every two seconds for retries that fell due. Passes never overlap
 * here; a signal during one asks for another right after it.
 */
export function startEventDispatcher(options: DispatchOptions = {}): EventDispatcher {
  let running: Promise<void> | undefined;
  let again = false;
  let retriesDue = false;
  let stopped = false;
  const run = async () => {
    do {
      again = false;
      const retries = retriesDue;
      retriesDue = false;
      try {
        // On an append, what it fanned out; every two seconds, the retries that fell due as well
        // (a look through every waiting message, which FerretDB scans: not at every append).
        await dispatchEvents({ ...options, retries });
      } catch (error) {
        logger.error("event dispatch failed", { error: redact((error as Error).message) });
      }
    } while (again && !stopped);
    running = undefined;
  };
  const kick = () => {
    if (stopped) return;
    if (running) again = true;
    else running = run();
  };
  onEventsAppended(({ due }) => {
    if (due) retriesDue = true;
    kick();
  });
  const timer = setInterval(() => {
    retriesDue = true;
    kick();
  }, RETRY_PASS_MS);
  timer.unref();
  return {
    kick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      onEventsAppended(undefined);
      while (running) await running;
    },
  };
}
