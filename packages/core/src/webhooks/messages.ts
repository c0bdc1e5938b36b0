import { randomBytes } from "node:crypto";
import { database, type Database } from "../db/client";
import type { EventDocument, WebhookAttemptDocument, WebhookMessageDocument } from "../db/documents";
import { NotFoundError, ValidationError } from "../errors";
import { EVENTS_PER_PAGE } from "../events/pages";
import { signalEvents } from "../events/signal";
import { pageLimit, pageOf } from "../paging";
import { parseInput } from "../validation";
import { newMessage } from "./dispatch";
import { ownedEndpoint } from "./endpoints";
import type { WebhookOwner } from "./owner";
import { type WebhookReplayInput, webhookReplaySchema } from "./schemas";

export const WEBHOOK_LIST_MAX = 100;
/** Events one replay may queue: a larger one is asked for again from where it stopped. */
export const REPLAY_MAX_EVENTS = 10_000;

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
  const [found, attempts] = await Promise.all([
    db.webhookMessages.find({ endpoint_id: endpoint._id }).toArray(),
    db.webhookAttempts.find({ endpoint_id: endpoint._id }).toArray(),
  ]);
  const listed = newestFirst(
    found.filter((message) => !options.state || message.state === options.state),
    (message) => message.created_at,
    (message) => message._id,
    options.before,
  );
  const { items, nextCursor } = pageOf(
    listed.slice(0, limit + 1),
    limit,
    cursorOf(
      (m) => m.created_at,
      (m) => m._id,
    ),
  );
  const attemptsOf = new Map<string, WebhookAttemptDocument[]>();
  for (const attempt of attempts)
    attemptsOf.set(attempt.message_id, [...(attemptsOf.get(attempt.message_id) ?? []), attempt]);
  return {
    messages: items.map((message) => ({
      id: message._id,
      eventId: message.event_id,
      state: message.state,
      attempts: (attemptsOf.get(message._id) ?? []).sort((a, b) => a.at.getTime() - b.at.getTime()).map(toAttempt),
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
export async function resendWebhookMessage(owner: WebhookOwner, id: string, eventId: string): Promise<WebhookMessage> {
  const endpoint = await ownedEndpoint(owner, id);
  const db = await database();
  const messageId = `${endpoint._id}:${eventId}`;
  const message = await db.webhookMessages.findOne({ _id: messageId });
  if (!message) throw new NotFoundError("This endpoint has no message of this event.");
  const now = new Date();
  await db.webhookMessages.updateOne(
    { _id: messageId },
    { $set: { state: "pending", attempts: 0, next_attempt_at: now, updated_at: now } },
  );
  // Its earlier attempts keep their records, moved aside: the numbers, which claim attempts, start over.
  await renumberAttempts(db, messageId);
  await signalEvents();
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
): Promise<{ queued: number; until?: string }> {
  const { since } = parseInput(webhookReplaySchema, input);
  const from = new Date(since);
  if (from.getTime() > Date.now()) throw new ValidationError([{ path: "since", message: "is in the future" }]);
  const endpoint = await ownedEndpoint(owner, id);
  const db = await database();
  const organizationKey = endpoint.owner === "organization" ? endpoint.organization_id?.toHexString() : undefined;
  const replay = randomBytes(6).toString("hex");
  const now = new Date();
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
  if (queued > 0) await signalEvents();
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

/** Keyset order: newest first by time, then id; `before` is a cursor from {@link cursorOf}. */
function newestFirst<T>(items: T[], timeOf: (item: T) => Date, idOf: (item: T) => string, before?: string): T[] {
  let bound: { time: number; id: string } | undefined;
  if (before !== undefined) {
    const match = /^(\d{1,15})_(.+)$/.exec(before);
    if (!match) throw new ValidationError([{ path: "before", message: "is not a cursor from a previous page" }]);
    bound = { time: Number(match[1]), id: match[2]! };
  }
  return items
    .filter((item) => {
      if (!bound) return true;
      const time = timeOf(item).getTime();
      return time < bound.time || (time === bound.time && idOf(item) < bound.id);
    })
    .sort((a, b) => timeOf(b).getTime() - timeOf(a).getTime() || (idOf(a) < idOf(b) ? 1 : -1));
}

function cursorOf<T>(timeOf: (item: T) => Date, idOf: (item: T) => string): (item: T) => string {
  return (item) => `${timeOf(item).getTime()}_${idOf(item)}`;
}
