import { randomBytes } from "node:crypto";
import { database, type Database } from "../db/client";
import type { EventDocument, WebhookAttemptDocument, WebhookMessageDocument } from "../db/documents";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { EVENTS_PER_PAGE } from "../events/pages";
import { signalEvents } from "../events/signal";
import { afterTimeAndId, pageLimit, pageOf, parseTimeAndIdCursor, timeAndIdCursor } from "../paging";
import { parseInput } from "../validation";
import { newMessage } from "./dispatch";
import { ownedEndpoint } from "./endpoints";
import { nowOf, type RequestContext } from "../context";
import { auditWebhook, type WebhookOwner } from "./owner";
import { type WebhookReplayInput, webhookReplaySchema } from "./schemas";

export const WEBHOOK_LIST_MAX = 100;
/** Events one replay may queue: a larger one is asked for again from where it stopped. */
export const REPLAY_MAX_EVENTS = 10_000;
/** Messages an endpoint may have waiting when a replay is asked for. */
export const REPLAY_MAX_PENDING = 1_000;

export interface WebhookMessage {
  readonly id: string;
  readonly eventId: string;
  readonly state: WebhookMessageDocument["state"];
  readonly attempts: readonly WebhookAttempt[];
  readonly nextAttemptAt?: Date;
  readonly createdAt: Date;
}

export interface WebhookAttempt {
  readonly number: number;
  readonly at: Date;
  readonly state: WebhookAttemptDocument["state"];
  readonly responseStatus?: number;
  /** The first kilobyte of the answer. */
  readonly responseBody?: string;
  readonly error?: string;
  readonly durationMs?: number;
}

/**
 * An endpoint's messages (one per event it was sent), newest first, each with its attempts: when,
 * what answered (status, the first kilobyte), how long. Optionally of one state (`failed`: what a
 * resend may fix).
 */
export async function listWebhookMessages(
  owner: WebhookOwner,
  id: string,
  options: { state?: WebhookMessageDocument["state"]; limit?: number; before?: string } = {},
): Promise<{ messages: WebhookMessage[]; nextCursor?: string }> {
  const endpoint = await ownedEndpoint(owner, id);
  const limit = pageLimit(options.limit, 50, WEBHOOK_LIST_MAX);
  const db = await database();
  const before = options.before === undefined ? undefined : parseTimeAndIdCursor(options.before, "before");
  const found = await db.webhookMessages
    .find({
      endpoint_id: endpoint._id,
      ...(options.state && { state: options.state }),
      ...(before && afterTimeAndId("created_at", before)),
    })
    .sort({ created_at: -1, _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(found, limit, (last) => timeAndIdCursor(last.created_at, last._id));
  // One read by message at once: FerretDB serves an equality from an index and scans for `$in`.
  const attempts = await Promise.all(
    items.map((message) => db.webhookAttempts.find({ message_id: message._id }).sort({ at: 1 }).toArray()),
  );
  return {
    messages: items.map((message, i) => ({
      id: message._id,
      eventId: message.event_id,
      state: message.state,
      attempts: attempts[i]!.map(toAttempt),
      ...(message.state === "pending" && { nextAttemptAt: message.next_attempt_at }),
      createdAt: message.created_at,
    })),
    ...(nextCursor && { nextCursor }),
  };
}

function toAttempt(attempt: WebhookAttemptDocument): WebhookAttempt {
  return {
    number: attempt.number,
    at: attempt.at,
    state: attempt.state,
    ...(attempt.response_status !== undefined && { responseStatus: attempt.response_status }),
    ...(attempt.response_body !== undefined && { responseBody: attempt.response_body }),
    ...(attempt.error !== undefined && { error: attempt.error }),
    ...(attempt.duration_ms !== undefined && { durationMs: attempt.duration_ms }),
  };
}

/**
 * Send an event to the endpoint again, now, with the same `webhook-id`: a failed (or delivered)
 * message becomes pending with its attempts starting over. The event must be one the endpoint had.
 */
export async function resendWebhookMessage(
  owner: WebhookOwner,
  id: string,
  eventId: string,
  context: RequestContext = {},
): Promise<WebhookMessage> {
  const endpoint = await ownedEndpoint(owner, id);
  const db = await database();
  const messageId = `${endpoint._id}:${eventId}`;
  const message = await db.webhookMessages.findOne({ _id: messageId });
  if (!message) throw new NotFoundError("This endpoint has no message of this event.");
  const now = nowOf(context);
  await db.webhookMessages.updateOne(
    { _id: messageId },
    { $set: { state: "pending", attempts: 0, next_attempt_at: now, updated_at: now } },
  );
  // Its earlier attempts keep their records, moved aside: the numbers, which claim attempts, start over.
  await renumberAttempts(db, messageId);
  await auditWebhook(db, owner, "webhook.resent", endpoint._id, context, { event_id: eventId });
  await signalEvents({ due: true });
  return { id: messageId, eventId, state: "pending", attempts: [], nextAttemptAt: now, createdAt: message.created_at };
}

/**
 * Deliver again every event since `since` that the endpoint wants (its types and organizations
 * now), each as a new message with the event's own `webhook-id`. At most REPLAY_MAX_EVENTS events
 * are read; `until` says where a replay stopped, to ask for the rest.
 */
export async function replayWebhook(
  owner: WebhookOwner,
  id: string,
  input: WebhookReplayInput,
  context: RequestContext = {},
): Promise<{ queued: number; until?: string }> {
  const { since } = parseInput(webhookReplaySchema, input);
  const from = new Date(since);
  const now = nowOf(context);
  if (from.getTime() > now.getTime()) throw new ValidationError([{ path: "since", message: "is in the future" }]);
  const endpoint = await ownedEndpoint(owner, id);
  const db = await database();
  // A replay waits for the last one: the queue every endpoint shares holds a bounded share of one's.
  const pending = await db.webhookMessages.countDocuments(
    { endpoint_id: endpoint._id, state: "pending" },
    { limit: REPLAY_MAX_PENDING + 1 },
  );
  if (pending > REPLAY_MAX_PENDING) {
    throw new ConflictError(
      `This endpoint has more than ${REPLAY_MAX_PENDING} messages waiting; replay once they are delivered.`,
      "since",
      { issue: "too many messages waiting" },
    );
  }
  const organizationKey = endpoint.owner === "organization" ? endpoint.organization_id?.toHexString() : undefined;
  const replay = randomBytes(6).toString("hex");
  let page = await firstPageAtOrAfter(db, organizationKey, from);
  let read = 0;
  let queued = 0;
  let until: string | undefined;
  for (;;) {
    const events = await eventsOfPage(db, organizationKey, page);
    if (events.length === 0) break;
    const wanted = events.filter(
      (event) =>
        event.at >= from &&
        endpoint.event_types.includes(event.type) &&
        (!endpoint.organization_ids ||
          (event.organization_id !== undefined &&
            endpoint.organization_ids.some((organization) => organization.equals(event.organization_id!)))),
    );
    if (wanted.length > 0) {
      await db.webhookMessages.insertMany(
        wanted.map((event) => newMessage(endpoint._id, event._id, event.organization_id?.toHexString(), now, replay)),
      );
      queued += wanted.length;
    }
    read += events.length;
    if (read >= REPLAY_MAX_EVENTS) {
      until = events.at(-1)!.at.toISOString();
      break;
    }
    page++;
  }
  await auditWebhook(db, owner, "webhook.replayed", endpoint._id, context, { since, queued: String(queued) });
  if (queued > 0) await signalEvents({ due: true });
  return { queued, ...(until && { until }) };
}

/** A feed's page of events, in order. */
async function eventsOfPage(db: Database, organizationKey: string | undefined, page: number): Promise<EventDocument[]> {
  const found = await db.events.find(organizationKey ? { org_page: `${organizationKey}:${page}` } : { page }).toArray();
  const numberOf = (event: EventDocument) => (organizationKey ? (event.org_seq ?? 0) : event.seq);
  return found.sort((a, b) => numberOf(a) - numberOf(b));
}

/** The first page holding an event at or after `from`: a binary search over pages, each read once by equality. */
async function firstPageAtOrAfter(db: Database, organizationKey: string | undefined, from: Date): Promise<number> {
  const head = await db.eventHeads.findOne({ _id: organizationKey ?? "all" });
  let low = 0;
  let high = Math.floor((head?.seq ?? 0) / EVENTS_PER_PAGE);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const events = await eventsOfPage(db, organizationKey, middle);
    const last = events.at(-1);
    if (last && last.at < from) low = middle + 1;
    else high = middle;
  }
  return low;
}

async function renumberAttempts(db: Database, messageId: string): Promise<void> {
  const earlier = await db.webhookAttempts.find({ message_id: messageId }).toArray();
  if (earlier.length === 0) return;
  const suffix = randomBytes(4).toString("hex");
  await db.webhookAttempts.insertMany(earlier.map((attempt) => ({ ...attempt, _id: `${attempt._id}:${suffix}` })));
  await db.webhookAttempts.deleteMany({ _id: { $in: earlier.map((attempt) => attempt._id) } });
}
