import { ObjectId } from "mongodb";
import { checkpoint } from "../checkpoints";
import type { Database } from "../db/client";
import type { EventIntentDocument, EventProof, MarkedCollection } from "../db/documents";
import { logger, redact } from "../logger";
import { appendToFeed } from "./append";
import { signalEvents } from "./signal";
import type { EventActor, EventType } from "./types";

/** How a draft names its proof: for `marked`, the slot is the event type's. */
export type ProofDraft =
  | { readonly kind: "marked"; readonly collection: MarkedCollection; readonly id: ObjectId | string }
  | Exclude<EventProof, { kind: "marked" }>;

/** One event a change will make: its type, organization, what it says, and how to prove it happened. */
export interface EventDraft {
  readonly type: EventType;
  readonly organizationId?: ObjectId;
  readonly data: Record<string, unknown>;
  readonly proof: ProofDraft;
}

/** The field of a document's `event_marks` an event type writes. */
export function markSlot(type: EventType): string {
  return type.replace(".", "_");
}

/**
 * A change whose events are announced and not yet in the feed. The order is what makes "once a
 * change is visible, its event is never lost" hold without transactions:
 *
 * 1. {@link beginChange} records each event as an intent, with how to prove its change happened.
 * 2. The caller makes its change, writing {@link Change.mark} into the very document the proof
 *    names (in the same write, so the change and its proof become visible at once), or deleting it.
 * 3. {@link Change.commit} appends the events to the feed, then deletes the intents.
 *
 * A process that dies after 1 leaves intents; the reconciler appends those whose proof holds and
 * drops the rest (events/settle.ts). After 3's append and before the delete, appending again
 * finds the event there.
 */
export class Change {
  constructor(
    /** The mark's value. */
    readonly id: string,
    readonly intents: readonly EventIntentDocument[],
  ) {}

  /** For a `$set`: the mark of `type`'s event, to write with the change into the proof's document. */
  mark(type: EventType): Record<string, string> {
    return { [`event_marks.${markSlot(type)}`]: this.id };
  }

  /** For a document inserted by the change: its `event_marks` field. */
  marks(...types: EventType[]): { event_marks: Record<string, string> } {
    return { event_marks: Object.fromEntries(types.map((type) => [markSlot(type), this.id])) };
  }

  /**
   * The change was refused and nothing of it is visible (a name taken, a write undone): its
   * intents go now rather than wait for the reconciler. Best effort: one left behind is dropped by
   * the reconciler, whose proof does not hold.
   */
  async abandon(db: Database): Promise<void> {
    if (this.intents.length === 0) return;
    await db.eventIntents.deleteMany({ _id: { $in: this.intents.map((intent) => intent._id) } }).catch(() => undefined);
  }

  /**
   * Append the events and tell delivery. The change is made by now, so a failure here is no
   * failure of the change: it is logged and left to the reconciler, which finds the intents.
   */
  async commit(db: Database): Promise<void> {
    if (this.intents.length === 0) return;
    await checkpoint("event-commit", 0);
    try {
      // Queued together, a change's events go in one batch, in their order.
      await Promise.all(this.intents.map((intent) => appendToFeed(db, intent)));
      await checkpoint("event-commit", 1);
      await db.eventIntents.deleteMany({ _id: { $in: this.intents.map((intent) => intent._id) } });
    } catch (error) {
      logger.error("events not appended; the reconciler will", {
        events: this.intents.map((intent) => intent._id).join(","),
        error: redact((error as Error).message),
      });
    }
    await signalEvents();
  }
}

function newEventId(): string {
  return `evt_${new ObjectId().toHexString()}`;
}

/**
 * Step 1 of a change: its events recorded as intents (none: a change that tells nobody). `at`: when
 * the change is made, the request's time for a change a request makes. The intent's `created_at`
 * stays the wall clock's: the reconciler judges by it whether the writer died, across processes,
 * and a request's own clock (a test's, a replay's) must not make a live writer look dead.
 */
export async function beginChange(
  db: Database,
  actor: EventActor,
  drafts: readonly EventDraft[],
  at: Date = new Date(),
): Promise<Change> {
  const change = new ObjectId().toHexString();
  const intents = drafts.map(
    (draft): EventIntentDocument => ({
      _id: newEventId(),
      change,
      type: draft.type,
      ...(draft.organizationId && { organization_id: draft.organizationId }),
      actor,
      at,
      data: draft.data,
      proof: draft.proof.kind === "marked" ? { ...draft.proof, slot: markSlot(draft.type) } : draft.proof,
      created_at: new Date(),
    }),
  );
  if (intents.length > 0) {
    await db.eventIntents.insertMany(intents);
    await checkpoint("event-begin", 1);
  }
  return new Change(change, intents);
}
