import { logger, redact } from "../logger";

/** What the runtime does when events were appended: run delivery now (local server) or start it (Lambda). */
export type EventsListener = (what: { readonly due: boolean }) => void | Promise<void>;

let listener: EventsListener | undefined;

/**
 * Set by the runtime once: the local server runs its dispatcher in the process; a Lambda function
 * starts the dispatcher function. Without one (a command, a test of core alone) events wait for
 * the scheduled pass.
 */
export function onEventsAppended(next: EventsListener | undefined): void {
  listener = next;
}

/**
 * Tell the runtime events were appended, and wait for it to have taken note (a Lambda function's
 * start of the dispatcher must be sent before the response freezes it). Never throws: the events
 * are in the feed whatever happens here.
 */
export async function signalEvents(what: { readonly due: boolean } = { due: false }): Promise<void> {
  if (!listener) return;
  try {
    // `due`: messages were made due (a resend, a replay), not only events appended.
    await listener(what);
  } catch (error) {
    report(error);
  }
}

function report(error: unknown): void {
  logger.warn("event delivery not started; the scheduled pass will", { error: redact((error as Error).message) });
}
