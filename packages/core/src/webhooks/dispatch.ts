import { ObjectId } from "mongodb";
import { config } from "../config";
import { database, type Database } from "../db/client";
import type { EventDocument, WebhookDocument, WebhookMessageDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { SYSTEM_ACTOR } from "../events/actor";
import { beginChange } from "../events/change";
import { putOnBus } from "../events/eventbridge";
import { readFeed, toServiceEvent } from "../events/feed";
import { logger, redact } from "../logger";
import { activeSecrets } from "./endpoints";
import { nextAttemptAt } from "./retries";
import { type SendOptions, type SendResult, sendWebhook } from "./send";
import { signedHeaders } from "./sign";

/** The message target that is the stage's EventBridge bus rather than a webhook endpoint. */
export const EVENT_BUS_TARGET = "eventbridge";

/** How far fan-out has read the feed, in event_heads. */
const FANNED_OUT = "fanned_out";

/** Deliveries made at once by one pass, and at most per pass (the rest wait for the next). */
const CONCURRENCY = 16;
const MAX_PER_PASS = 500;

export interface DispatchReport {
  readonly eventsFannedOut: number;
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly endpointsDisabled: number;
}

/** What tests and the local run may change about how deliveries go out. */
export interface DispatchOptions {
  readonly now?: Date;
  readonly send?: Pick<SendOptions, "resolve" | "onConnect" | "timeoutMs">;
}

/**
 * One pass of delivery: every event appended since the last pass becomes a message for each
 * endpoint that wants it (and for the bus), then every message due is attempted. Safe to run
 * several at once: a message's `_id` is its endpoint and event, so fanning out twice makes it
 * once, and an attempt is claimed by inserting it under a unique key, so one dispatcher sends it.
 * Runs on every append (the runtime's signal) and on a schedule, which catches what a crash or a
 * failing receiver left.
 */
export async function dispatchEvents(options: DispatchOptions = {}): Promise<DispatchReport> {
  const db = await database();
  const eventsFannedOut = await fanOut(db);
  const outcome = await deliverDue(db, options);
  return { eventsFannedOut, ...outcome };
}

async function fanOut(db: Database): Promise<number> {
  const busName = config().events.busName;
  const [head, all, listening] = await Promise.all([
    db.eventHeads.findOne({ _id: FANNED_OUT }),
    db.eventHeads.findOne({ _id: "all" }),
    busName ? 1 : db.webhooks.countDocuments({}, { limit: 1 }),
  ]);
  // Nothing listens (no endpoint, no bus): the cursor moves past what is there without reading it.
  // (The head is a hint that may lag: with listeners, the feed itself is read.)
  if (listening === 0) {
    if ((all?.seq ?? 0) > (head?.seq ?? 0)) await moveCursor(db, all!.seq);
    return 0;
  }
  let cursor = String(head?.seq ?? 0);
  const endpoints = new EndpointsOfPass(db);
  let fannedOut = 0;
  for (;;) {
    const page = await readFeed(db, undefined, { after: cursor, limit: 100 });
    const messages: WebhookMessageDocument[] = [];
    for (const event of page.events) {
      const now = new Date();
      const targets = (await endpoints.wanting(event)).map((endpoint) => endpoint._id);
      if (busName) targets.push(EVENT_BUS_TARGET);
      for (const target of targets) messages.push(newMessage(target, event.id, event.organization_id, now));
    }
    if (messages.length > 0) {
      await db.webhookMessages.insertMany(messages, { ordered: false }).catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error; // fanned out already by a dispatcher at once
      });
    }
    fannedOut += page.events.length;
    if (page.next_cursor !== cursor) await moveCursor(db, Number(page.next_cursor));
    cursor = page.next_cursor;
    if (!page.has_more) return fannedOut;
  }
}

async function moveCursor(db: Database, seq: number): Promise<void> {
  await db.eventHeads.updateOne({ _id: FANNED_OUT }, { $max: { seq } }, { upsert: true }).catch((error: unknown) => {
    if (!isDuplicateKeyError(error)) throw error; // two first passes at once: either is fine
  });
}

export function newMessage(
  endpointId: string,
  eventId: string,
  organizationId: string | undefined,
  now: Date,
  replay?: string,
): WebhookMessageDocument {
  return {
    _id: `${endpointId}:${eventId}${replay ? `:${replay}` : ""}`,
    endpoint_id: endpointId,
    event_id: eventId,
    ...(organizationId && { organization_id: new ObjectId(organizationId) }),
    state: "pending",
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    updated_at: now,
  };
}

/** The endpoints one pass reads, each owner's once. */
class EndpointsOfPass {
  private platform: Promise<WebhookDocument[]> | undefined;
  private readonly ofOrganization = new Map<string, Promise<WebhookDocument[]>>();

  constructor(private readonly db: Database) {}

  async wanting(event: { type: string; organization_id?: string }): Promise<WebhookDocument[]> {
    this.platform ??= this.db.webhooks.find({ owner: "platform" }).toArray();
    const organizationId = event.organization_id;
    let own: Promise<WebhookDocument[]> | undefined;
    if (organizationId) {
      own = this.ofOrganization.get(organizationId);
      if (!own) {
        own = this.db.webhooks.find({ organization_id: new ObjectId(organizationId) }).toArray();
        this.ofOrganization.set(organizationId, own);
      }
    }
    const candidates = [...(await this.platform), ...((await own) ?? [])];
    return candidates.filter(
      (endpoint) =>
        !endpoint.disabled &&
        endpoint.event_types.includes(event.type as never) &&
        (!endpoint.organization_ids ||
          (organizationId !== undefined &&
            endpoint.organization_ids.some((id) => id.toHexString() === organizationId))),
    );
  }
}

async function deliverDue(db: Database, options: DispatchOptions): Promise<Omit<DispatchReport, "eventsFannedOut">> {
  const now = options.now ?? new Date();
  const pending = await db.webhookMessages.find({ state: "pending" }).toArray();
  const due = pending
    .filter((message) => message.next_attempt_at <= now)
    .sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime())
    .slice(0, MAX_PER_PASS);
  const report = { delivered: 0, failedAttempts: 0, endpointsDisabled: 0 };
  const endpoints = new Map<string, Promise<WebhookDocument | null>>();
  const endpointOf = (id: string) => {
    const found = endpoints.get(id) ?? db.webhooks.findOne({ _id: id });
    endpoints.set(id, found);
    return found;
  };
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const message = due[next++]!;
      try {
        const outcome = await attempt(db, message, endpointOf, options);
        if (outcome === "delivered") report.delivered++;
        if (outcome === "failed" || outcome === "disabled") report.failedAttempts++;
        if (outcome === "disabled") report.endpointsDisabled++;
      } catch (error) {
        logger.error("webhook attempt not recorded", { message: message._id, error: redact((error as Error).message) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  return report;
}

type AttemptOutcome = "delivered" | "failed" | "disabled" | "skipped";

/** One attempt of one message: claimed, made, recorded, and the message moved on. */
async function attempt(
  db: Database,
  message: WebhookMessageDocument,
  endpointOf: (id: string) => Promise<WebhookDocument | null>,
  options: DispatchOptions,
): Promise<AttemptOutcome> {
  const number = message.attempts + 1;
  const attemptId = `${message._id}:${number}`;
  const at = new Date();
  const toBus = message.endpoint_id === EVENT_BUS_TARGET;
  const endpoint = toBus ? null : await endpointOf(message.endpoint_id);
  if (!toBus && (!endpoint || endpoint.disabled)) {
    // Gone or disabled since it was fanned out: nothing is sent; a resend or replay once it is enabled again.
    await db.webhookMessages.updateOne({ _id: message._id }, { $set: { state: "failed", updated_at: at } });
    return "skipped";
  }
  try {
    await db.webhookAttempts.insertOne({
      _id: attemptId,
      message_id: message._id,
      endpoint_id: message.endpoint_id,
      event_id: message.event_id,
      number,
      at,
      state: "sending",
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) return "skipped"; // another dispatcher is making this attempt
    throw error;
  }
  const event = await db.events.findOne({ _id: message.event_id });
  if (!event) {
    await db.webhookMessages.updateOne({ _id: message._id }, { $set: { state: "failed", updated_at: at } });
    return "skipped";
  }
  const result = toBus ? await publish(event) : await deliver(event, endpoint!, at, options);
  const succeeded = result.outcome === "answered" && result.status >= 200 && result.status < 300;
  await db.webhookAttempts.updateOne(
    { _id: attemptId },
    {
      $set: {
        state: succeeded ? "succeeded" : "failed",
        duration_ms: result.durationMs,
        ...(result.outcome === "answered"
          ? { response_status: result.status, response_body: result.body }
          : { error: result.reason }),
      },
    },
  );
  const done = new Date();
  const retryAt = succeeded ? undefined : nextAttemptAt(number, done);
  await db.webhookMessages.updateOne(
    { _id: message._id },
    {
      $set: {
        attempts: number,
        state: succeeded ? "delivered" : retryAt ? "pending" : "failed",
        updated_at: done,
        ...(retryAt && { next_attempt_at: retryAt }),
      },
    },
  );
  if (toBus) return succeeded ? "delivered" : "failed";
  if (succeeded) {
    await db.webhookHealth.updateOne(
      { _id: endpoint!._id },
      { $set: { last_success_at: done }, $unset: { failing_since: "" } },
      { upsert: true },
    );
    return "delivered";
  }
  return (await recordFailure(db, endpoint!, options.now ?? done)) ? "disabled" : "failed";
}

async function deliver(
  event: EventDocument,
  endpoint: WebhookDocument,
  at: Date,
  options: DispatchOptions,
): Promise<SendResult> {
  const body = JSON.stringify(toServiceEvent(event));
  const secrets = activeSecrets(endpoint, at).map((entry) => entry.secret);
  return sendWebhook(
    { url: endpoint.url, headers: signedHeaders(event._id, body, secrets, at), body },
    { allowPrivateTargets: config().events.allowPrivateTargets, ...options.send },
  );
}

async function publish(event: EventDocument): Promise<SendResult> {
  const started = Date.now();
  const busName = config().events.busName;
  try {
    if (!busName) return { outcome: "failed", reason: "no event bus is configured", durationMs: 0 };
    await putOnBus(busName, toServiceEvent(event));
    return { outcome: "answered", status: 200, body: "", durationMs: Date.now() - started };
  } catch (error) {
    return { outcome: "failed", reason: redact((error as Error).message), durationMs: Date.now() - started };
  }
}

/**
 * A failed attempt: the endpoint is failing since its first failure after a success; once that is
 * WEBHOOK_DISABLE_AFTER_DAYS ago, it is disabled, and an event says so. Returns whether it was.
 */
async function recordFailure(db: Database, endpoint: WebhookDocument, now: Date): Promise<boolean> {
  const health = await db.webhookHealth.findOne({ _id: endpoint._id });
  if (!health?.failing_since) {
    await db.webhookHealth.updateOne({ _id: endpoint._id }, { $set: { failing_since: now } }, { upsert: true });
    return false;
  }
  const days = config().events.disableAfterDays;
  if (now.getTime() - health.failing_since.getTime() < days * 86_400_000) return false;
  const change = await beginChange(db, SYSTEM_ACTOR, [
    {
      type: "webhook.disabled",
      ...(endpoint.organization_id && { organizationId: endpoint.organization_id }),
      data: { webhook_id: endpoint._id, url: endpoint.url, failing_since: health.failing_since.toISOString() },
      proof: { kind: "marked", collection: "webhooks", id: endpoint._id },
    },
  ]);
  await db.webhooks.updateOne(
    { _id: endpoint._id },
    { $set: { disabled: { at: now, reason: "failing" }, updated_at: now, ...change.mark("webhook.disabled") } },
  );
  await change.commit(db);
  return true;
}
