import type { Database } from "../db/client";
import type { EventDocument, EventIntentDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { EVENTS_PER_PAGE } from "./pages";

/** The feed of every organization's events, in event_heads. */
const ALL = "all";

/** Enough for any realistic contention; reaching it means something is wrong, not busy. */
const MAX_PROBES = 10_000;

export class FeedAppendError extends Error {
  override readonly name = "FeedAppendError";
}

/**
 * Append an announced event to the feed, once, and return its number. Each of its two numbers
 * (`seq` in every event, `org_seq` in its organization's) is taken by inserting it under a unique
 * key, starting after the highest one known taken: a number is only tried once the one before it
 * was seen taken, so no number becomes visible before every lower one has, and a reader following
 * the numbers never steps over an event whose writer was slower than a later one. No transaction,
 * no compare-and-set: the unique indexes decide (MongoDB and FerretDB alike). Appending the same
 * intent twice (a writer and the reconciler at once) finds its `_id` taken and stops.
 */
export async function appendToFeed(db: Database, intent: EventIntentDocument): Promise<number> {
  const { seq, advance } = await takeNumbers(db, intent);
  await advance;
  return seq;
}

/**
 * {@link appendToFeed} for a writer with more to do: the event is in the feed once this resolves;
 * `advance`, the heads' move, may finish alongside the writer's next step.
 */
export async function takeNumbers(
  db: Database,
  intent: EventIntentDocument,
): Promise<{ readonly seq: number; readonly advance: Promise<void> }> {
  const organizationKey = intent.organization_id?.toHexString();
  const [all, own] = await Promise.all([
    db.eventHeads.findOne({ _id: ALL }),
    organizationKey ? db.eventHeads.findOne({ _id: organizationKey }) : null,
  ]);
  let seq = (all?.seq ?? 0) + 1;
  let orgSeq = (own?.seq ?? 0) + 1;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const document: EventDocument = {
      _id: intent._id,
      type: intent.type,
      ...(intent.organization_id && { organization_id: intent.organization_id }),
      actor: intent.actor,
      at: intent.at,
      data: intent.data,
      seq,
      page: Math.floor(seq / EVENTS_PER_PAGE),
      ...(organizationKey
        ? {
            org_key: `${organizationKey}:${orgSeq}`,
            org_seq: orgSeq,
            org_page: `${organizationKey}:${Math.floor(orgSeq / EVENTS_PER_PAGE)}`,
          }
        : { org_key: `-:${intent._id}` }),
    };
    try {
      await db.events.insertOne(document);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const found = await whichTaken(db, intent._id, seq, organizationKey, orgSeq);
      if (found.appended !== undefined) return { seq: found.appended, advance: Promise.resolve() };
      if (found.seqTaken) seq++;
      if (found.orgSeqTaken) orgSeq++;
      continue;
    }
    return { seq, advance: advanceHeads(db, seq, organizationKey, orgSeq) };
  }
  throw new FeedAppendError(`no free number in the feed after ${MAX_PROBES} tries`);
}

/** Which key an insert found taken: the event itself (appended already), or either number (try the next). */
async function whichTaken(
  db: Database,
  id: string,
  seq: number,
  organizationKey: string | undefined,
  orgSeq: number,
): Promise<{ appended?: number; seqTaken: boolean; orgSeqTaken: boolean }> {
  const [appended, seqTaken, orgSeqTaken] = await Promise.all([
    db.events.findOne({ _id: id }, { projection: { seq: 1 } }),
    db.events.countDocuments({ seq }, { limit: 1 }),
    organizationKey ? db.events.countDocuments({ org_key: `${organizationKey}:${orgSeq}` }, { limit: 1 }) : 0,
  ]);
  return { ...(appended && { appended: appended.seq }), seqTaken: seqTaken > 0, orgSeqTaken: orgSeqTaken > 0 };
}

/**
 * Move the heads up to what was just taken. Only a hint where to start looking: it never names a
 * number not taken, and one that lags (a lost race of two writes) costs the next append a probe or
 * two, never a gap.
 */
async function advanceHeads(db: Database, seq: number, organizationKey: string | undefined, orgSeq: number) {
  const advance = (id: string, value: number) =>
    db.eventHeads.updateOne({ _id: id }, { $max: { seq: value } }, { upsert: true }).catch((error: unknown) => {
      if (!isDuplicateKeyError(error)) throw error; // two first appends at once: either head is fine
    });
  await Promise.all([advance(ALL, seq), organizationKey ? advance(organizationKey, orgSeq) : undefined]);
}
