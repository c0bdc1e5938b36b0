import type { ObjectId } from "mongodb";
import { placementOf, tenantCollectionAt } from "../cells/placement";
import type { Database } from "../db/client";
import type { EventIntentDocument, EventProof } from "../db/documents";
import { indexesOf } from "../db/indexes";
import { appendToFeed } from "./append";
import { signalEvents } from "./signal";

export interface SettleReport {
  readonly eventsAppended: number;
  readonly eventsDropped: number;
}

type Verdict = "happened" | "not" | "undecided";

/**
 * The reconciler's part: intents at least the grace period old belong to writers that died (or
 * failed) between announcing a change and appending its events. Each is judged by its proof: the
 * change happened (its mark is in the document, the document is gone, the index is there), so the
 * event is appended — or it did not, so the intent is dropped. A record in the middle of another
 * repair (`pending`) is judged on a later run, once that repair has decided.
 */
export async function settleEventIntents(db: Database, cutoff: Date, organizationId?: ObjectId): Promise<SettleReport> {
  const stale = await db.eventIntents
    .find(organizationId ? { organization_id: organizationId } : { created_at: { $lte: cutoff } })
    .toArray();
  let eventsAppended = 0;
  let eventsDropped = 0;
  for (const intent of stale) {
    if (intent.created_at > cutoff) continue;
    const verdict = await judge(db, intent);
    if (verdict === "undecided") continue;
    if (verdict === "happened") {
      await appendToFeed(db, intent);
      eventsAppended++;
    } else {
      eventsDropped++;
    }
    await db.eventIntents.deleteOne({ _id: intent._id });
  }
  if (eventsAppended > 0) await signalEvents();
  return { eventsAppended, eventsDropped };
}

async function judge(db: Database, { proof, change }: EventIntentDocument): Promise<Verdict> {
  if (proof.kind === "index") return judgeIndex(db, proof);
  // Every marked collection is keyed by `_id`; the union of their document types is too wide for the driver's typings.
  const collection = db[proof.collection] as unknown as import("mongodb").Collection<{
    _id: ObjectId | string;
    pending?: unknown;
    event_marks?: Record<string, string>;
    [field: string]: unknown;
  }>;
  const found = await collection.findOne({ _id: proof.id });
  if (found?.pending) return "undecided";
  if (proof.kind === "marked") return found?.event_marks?.[proof.slot] === change ? "happened" : "not";
  if (!found) return "happened";
  const { incarnation } = proof;
  return incarnation && !sameValue(found[incarnation.field], incarnation.value) ? "happened" : "not";
}

async function judgeIndex(db: Database, proof: Extract<EventProof, { kind: "index" }>): Promise<Verdict> {
  const organization = await db.organizations.findOne({ _id: proof.organization_id });
  if (!organization) return "not";
  if (organization.pending || organization.move) return "undecided";
  const names = (await indexesOf(await tenantCollectionAt(organization, placementOf(organization)))).map(
    (index) => index.name,
  );
  return names.includes(proof.name) === proof.present ? "happened" : "not";
}

function sameValue(a: unknown, b: unknown): boolean {
  const comparable = (value: unknown) =>
    value instanceof Date ? value.getTime() : typeof value === "object" && value !== null ? String(value) : value;
  return comparable(a) === comparable(b);
}
