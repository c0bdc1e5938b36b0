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
export function appendToFeed(db: Database, intent: EventIntentDocument): Promise<number> {
  return new Promise((resolve, reject) => {
    waiting.push({ intent, resolve, reject });
    if (!draining) void drain(db);
  });
}

/**
 * The appends of this process wait here and go in batches, one batch at a time: appends at once
 * would take the same next number and all but one try again, each costing the others a round
 * trip. A batch takes consecutive numbers after one read of the heads, inserted one after
 * another, and moves the heads once. (Across processes the unique keys decide.)
 */
const waiting: { intent: EventIntentDocument; resolve: (seq: number) => void; reject: (error: unknown) => void }[] = [];
let draining = false;
const BATCH = 100;

async function drain(db: Database): Promise<void> {
  draining = true;
  try {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, BATCH);
      try {
        const numbers = await appendBatch(
          db,
          batch.map((entry) => entry.intent),
        );
        for (const [i, entry] of batch.entries()) entry.resolve(numbers[i]!);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  } finally {
    draining = false;
  }
}

async function appendBatch(db: Database, intents: readonly EventIntentDocument[]): Promise<number[]> {
  if (intents.length === 1) {
    const taken = await takeNumbersNow(db, intents[0]!);
    await taken.advance;
    return [taken.seq];
  }
  const keys = [...new Set(intents.flatMap((intent) => intent.organization_id?.toHexString() ?? []))];
  const heads = await Promise.all([ALL, ...keys].map((id) => db.eventHeads.findOne({ _id: id })));
  const next = new Map([ALL, ...keys].map((id, i) => [id, (heads[i]?.seq ?? 0) + 1]));
  const documents = intents.map((intent) => {
    const key = intent.organization_id?.toHexString();
    const seq = next.get(ALL)!;
    next.set(ALL, seq + 1);
    const orgSeq = key ? next.get(key)! : 0;
    if (key) next.set(key, orgSeq + 1);
    return feedDocument(intent, seq, key, orgSeq);
  });
  // One insert after another, each only once the one before it is in: a number is never tried
  // before the one under it is taken (an insert of many may go on past a refused one).
  const numbers: number[] = [];
  for (const [i, document] of documents.entries()) {
    try {
      await db.events.insertOne(document);
      numbers.push(document.seq);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another process took one of these numbers (or appended this event): this one and the rest
      // of the batch go on their own, looking for free numbers.
      for (const intent of intents.slice(i)) {
        const appended = await db.events.findOne({ _id: intent._id }, { projection: { seq: 1 } });
        numbers.push(appended ? appended.seq : await appendAlone(db, intent));
      }
      return numbers;
    }
  }
  await Promise.all([...next].map(([id, following]) => moveHead(db, id, following - 1)));
  return numbers;
}

/**
 * An append outside this process's queue, deciding by the unique keys alone: what the appends of
 * other processes (other Lambda containers) amount to for this one.
 */
export async function appendAlone(db: Database, intent: EventIntentDocument): Promise<number> {
  const taken = await takeNumbersNow(db, intent);
  await taken.advance;
  return taken.seq;
}

async function takeNumbersNow(
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
    const document = feedDocument(intent, seq, organizationKey, orgSeq);
    try {
      await db.events.insertOne(document);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const found = await whichTaken(db, intent._id, seq, organizationKey, orgSeq);
      if (found.appended !== undefined) return { seq: found.appended, advance: Promise.resolve() };
      // Taken: try after the highest number taken now, not the next one — appends at once would
      // otherwise each collide with all the others in turn.
      if (found.seqTaken) seq = (await highestTaken(db, undefined, seq)) + 1;
      if (found.orgSeqTaken && organizationKey) orgSeq = (await highestTaken(db, organizationKey, orgSeq)) + 1;
      continue;
    }
    return { seq, advance: advanceHeads(db, seq, organizationKey, orgSeq) };
  }
  throw new FeedAppendError(`no free number in the feed after ${MAX_PROBES} tries`);
}

/** The feed's record of an intent under these numbers. */
function feedDocument(
  intent: EventIntentDocument,
  seq: number,
  organizationKey: string | undefined,
  orgSeq: number,
): EventDocument {
  return {
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
 * The highest number taken in a feed, from one known taken: read from its page and the pages
 * after it while they are full (each read by equality). Every number under one taken is taken, so
 * the one after the result is the first that may be free.
 */
async function highestTaken(db: Database, organizationKey: string | undefined, taken: number): Promise<number> {
  let highest = taken;
  for (let page = Math.floor(taken / EVENTS_PER_PAGE); ; page++) {
    const numbers = organizationKey
      ? (
          await db.events.find({ org_page: `${organizationKey}:${page}` }, { projection: { org_seq: 1 } }).toArray()
        ).map((event) => event.org_seq ?? 0)
      : (await db.events.find({ page }, { projection: { seq: 1 } }).toArray()).map((event) => event.seq);
    highest = Math.max(highest, ...numbers);
    if (highest < (page + 1) * EVENTS_PER_PAGE - 1) return highest;
  }
}

/**
 * Move the heads up to what was just taken. Only a hint where to start looking: it never names a
 * number not taken, and one that lags (a lost race of two writes) costs the next append a probe or
 * two, never a gap.
 */
async function advanceHeads(db: Database, seq: number, organizationKey: string | undefined, orgSeq: number) {
  await Promise.all([moveHead(db, ALL, seq), organizationKey ? moveHead(db, organizationKey, orgSeq) : undefined]);
}

function moveHead(db: Database, id: string, value: number): Promise<void> {
  return db.eventHeads
    .updateOne({ _id: id }, { $max: { seq: value } }, { upsert: true })
    .then(() => undefined)
    .catch((error: unknown) => {
      if (!isDuplicateKeyError(error)) throw error; // two first appends at once: either head is fine
    });
}
