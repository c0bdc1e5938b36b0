import { type MongoBulkWriteError, ObjectId } from "mongodb";
import { config } from "../config";
import { database, type Database } from "../db/client";
import type { WebhookDocument, WebhookMessageDocument } from "../db/documents";
import type { ServiceEvent } from "../events/types";
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

/**
 * How long a message a pass made waits before a pass looking for retries may take it: the pass
 * that made it attempts it first, and no other one at the same time.
 */
const FIRST_ATTEMPT_MS = 30_000;

/** The message target that is the stage's EventBridge bus rather than a webhook endpoint. */
export const EVENT_BUS_TARGET = "eventbridge";

/** How far fan-out has read the feed, in event_heads. */
const FANNED_OUT = "fanned_out";

/** Deliveries made at once by one pass, and at most per pass (the rest wait for the next). */
const CONCURRENCY = 16;
const MAX_PER_PASS = 500;
/**
 * At most this many of one endpoint's messages per pass, and this many attempts to it at once: an
 * endpoint that answers slowly, or not at all, takes a bounded share of a pass, never all of it,
 * and the others' deliveries go on.
 */
const MAX_PER_ENDPOINT = 100;
const CONCURRENCY_PER_ENDPOINT = 4;
/** A pass starts no attempt after this long, so that it ends within the dispatcher function's time. */
const PASS_BUDGET_MS = 60_000;
/**
 * An attempt still `sending` after this long belongs to a dispatcher that died in it (every
 * attempt is bounded by 10 s): it counts as failed, and the message carries on.
 */
const INTERRUPTED_AFTER_MS = 60_000;

export interface DispatchReport {
  readonly eventsFannedOut: number;
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly endpointsDisabled: number;
}

/** What tests and the local run may change about how deliveries go out. */
export interface DispatchOptions {
  readonly now?: Date;
  /**
   * `false`: deliver only what this pass fans out, without looking through every message waiting
   * — which MongoDB's index on `{state, next_attempt_at}` serves, but FerretDB scans. The local
   * run's passes on an append take `false`; its pass every two seconds, and every deployed pass,
   * look for retries as well.
   */
  readonly retries?: boolean;
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
  const fannedOut = await fanOut(db);
  const outcome = await deliverDue(db, options, fannedOut);
  return { eventsFannedOut: fannedOut.fannedOut, ...outcome };
}

interface FannedOut {
  readonly fannedOut: number;
  /** The messages this pass made: their first attempt is its own, claimed by making them. */
  readonly fresh: readonly WebhookMessageDocument[];
  readonly events: ReadonlyMap<string, ServiceEvent>;
}

/** The events appended since the last pass, each made a message per target; the messages made, and their events. */
async function fanOut(db: Database): Promise<FannedOut> {
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
    return { fannedOut: 0, fresh: [], events: new Map() };
  }
  let cursor = String(head?.seq ?? 0);
  const endpoints = new EndpointsOfPass(db);
  let fannedOut = 0;
  const fresh: WebhookMessageDocument[] = [];
  const events = new Map<string, ServiceEvent>();
  for (;;) {
    const page = await readFeed(db, undefined, { after: cursor, limit: 100 });
    const messages: WebhookMessageDocument[] = [];
    for (const event of page.events) {
      const now = new Date();
      const targets = (await endpoints.wanting(event)).map((endpoint) => endpoint._id);
      if (busName) targets.push(EVENT_BUS_TARGET);
      for (const target of targets) {
        // Its first attempt is this pass's: a pass looking for retries leaves it alone meanwhile.
        const message = newMessage(target, event.id, event.organization_id, now);
        message.next_attempt_at = new Date(now.getTime() + FIRST_ATTEMPT_MS);
        messages.push(message);
        events.set(event.id, event);
      }
    }
    // The messages this pass made are its own to attempt first (those a dispatcher at once made
    // already are refused here, and are that dispatcher's).
    let refused = new Set<number>();
    if (messages.length > 0) {
      await db.webhookMessages.insertMany(messages, { ordered: false }).catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error;
        refused = new Set([(error as MongoBulkWriteError).writeErrors].flat().map((writeError) => writeError.index));
      });
    }
    fresh.push(...messages.filter((_, i) => !refused.has(i)));
    fannedOut += page.events.length;
    if (page.next_cursor !== cursor) await moveCursor(db, Number(page.next_cursor));
    cursor = page.next_cursor;
    if (!page.has_more) return { fannedOut, fresh, events };
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

  /**
   * The endpoints that want the event: enabled, of its type and organization, and there when it
   * happened — an endpoint made after it (the pass behind) gets earlier events by a replay only.
   */
  async wanting(event: { type: string; organization_id?: string; occurred_at: string }): Promise<WebhookDocument[]> {
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
        endpoint.created_at.getTime() <= Date.parse(event.occurred_at) &&
        endpoint.event_types.includes(event.type as never) &&
        (!endpoint.organization_ids ||
          (organizationId !== undefined &&
            endpoint.organization_ids.some((id) => id.toHexString() === organizationId))),
    );
  }
}

/**
 * Attempt the messages this pass made, and, unless it is a pass for fresh events only, every
 * message whose next attempt is due (retries, and whatever a dispatcher that died left).
 */
async function deliverDue(
  db: Database,
  options: DispatchOptions,
  { fresh, events }: FannedOut,
): Promise<Omit<DispatchReport, "eventsFannedOut">> {
  const now = options.now ?? new Date();
  const started = Date.now();
  const due =
    options.retries === false
      ? []
      : await db.webhookMessages
          .find({ state: "pending", next_attempt_at: { $lte: now } })
          .sort({ next_attempt_at: 1 })
          .limit(MAX_PER_PASS * 4)
          .toArray();
  const freshIds = new Set(fresh.map((message) => message._id));
  // Retries: a bounded share per endpoint. The pass's own messages all (only as many at once per
  // endpoint as the others); any it does not get to are made due for the next pass.
  const perEndpoint = new Map<string, number>();
  const retries = due
    .filter((message) => !freshIds.has(message._id))
    .filter((message) => {
      const count = perEndpoint.get(message.endpoint_id) ?? 0;
      perEndpoint.set(message.endpoint_id, count + 1);
      return count < MAX_PER_ENDPOINT;
    })
    .slice(0, MAX_PER_PASS);
  const taken = [...fresh, ...retries];
  const report = { delivered: 0, failedAttempts: 0, endpointsDisabled: 0 };
  const endpoints = new Map<string, Promise<WebhookDocument | null>>();
  const endpointOf = (id: string) => {
    const found = endpoints.get(id) ?? db.webhooks.findOne({ _id: id });
    endpoints.set(id, found);
    return found;
  };
  const health = new HealthOfPass(db);
  const inFlight = new Map<string, number>();
  const queue = [...taken];
  /** The next message whose endpoint has room for another attempt now; undefined: none has. */
  const nextMessage = () => {
    const i = queue.findIndex((message) => (inFlight.get(message.endpoint_id) ?? 0) < CONCURRENCY_PER_ENDPOINT);
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  };
  const worker = async () => {
    while (queue.length > 0 && Date.now() - started < PASS_BUDGET_MS) {
      const message = nextMessage();
      if (!message) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      inFlight.set(message.endpoint_id, (inFlight.get(message.endpoint_id) ?? 0) + 1);
      try {
        const outcome = await attempt(
          db,
          message,
          endpointOf,
          health,
          options,
          freshIds.has(message._id) ? events : undefined,
        );
        if (outcome === "delivered") report.delivered++;
        if (outcome === "failed" || outcome === "disabled") report.failedAttempts++;
        if (outcome === "disabled") report.endpointsDisabled++;
      } catch (error) {
        logger.error("webhook attempt not recorded", { message: message._id, error: redact((error as Error).message) });
      } finally {
        inFlight.set(message.endpoint_id, inFlight.get(message.endpoint_id)! - 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, taken.length) }, worker));
  // The pass's own messages it had no time for: due now, for the next pass (one write by key each).
  const untried = queue.filter((message) => freshIds.has(message._id));
  await Promise.all(
    untried.map((message) => db.webhookMessages.updateOne({ _id: message._id }, { $set: { next_attempt_at: now } })),
  );
  return report;
}

type AttemptOutcome = "delivered" | "failed" | "disabled" | "skipped";

/**
 * Since when each endpoint of a pass has failed everything: read once per pass, written only when
 * it changes (the first failure after a success, the first success after failures) — not at every
 * delivery, which would make one record every delivery to an endpoint writes.
 */
class HealthOfPass {
  private readonly failing = new Map<string, Promise<Date | undefined>>();

  constructor(private readonly db: Database) {}

  private failingSince(id: string): Promise<Date | undefined> {
    const known =
      this.failing.get(id) ??
      this.db.webhookHealth.findOne({ _id: id }).then((health) => health?.failing_since ?? undefined);
    this.failing.set(id, known);
    return known;
  }

  async succeeded(id: string): Promise<void> {
    if (!(await this.failingSince(id))) return;
    this.failing.set(id, Promise.resolve(undefined));
    await this.db.webhookHealth.updateOne({ _id: id }, { $unset: { failing_since: "" } });
  }

  /** Since when it has failed, this failure included. */
  async failed(id: string, now: Date): Promise<Date> {
    const since = await this.failingSince(id);
    if (since) return since;
    this.failing.set(id, Promise.resolve(now));
    await this.db.webhookHealth.updateOne({ _id: id }, { $set: { failing_since: now } }, { upsert: true });
    return now;
  }
}

/** One attempt of one message: claimed, made, recorded, and the message moved on. */
async function attempt(
  db: Database,
  message: WebhookMessageDocument,
  endpointOf: (id: string) => Promise<WebhookDocument | null>,
  health: HealthOfPass,
  options: DispatchOptions,
  /** Set for a message this pass made: its first attempt is claimed already, its event known. */
  fresh?: ReadonlyMap<string, ServiceEvent>,
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
  const attemptRecord = {
    _id: attemptId,
    message_id: message._id,
    endpoint_id: message.endpoint_id,
    event_id: message.event_id,
    number,
    at,
  };
  let event = fresh?.get(message.event_id);
  if (!event) {
    // A retry: claimed by inserting its attempt, which of two dispatchers at once one does.
    try {
      await db.webhookAttempts.insertOne({ ...attemptRecord, state: "sending" });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another dispatcher is making this attempt — or was, and died in it: then it failed.
      return (await failInterrupted(db, message, attemptId, number)) ? "failed" : "skipped";
    }
    const stored = await db.events.findOne({ _id: message.event_id });
    if (!stored) {
      await db.webhookMessages.updateOne({ _id: message._id }, { $set: { state: "failed", updated_at: at } });
      return "skipped";
    }
    event = toServiceEvent(stored);
  }
  const result = toBus ? await publish(event) : await deliver(event, endpoint!, at, options);
  const succeeded = result.outcome === "answered" && result.status >= 200 && result.status < 300;
  const outcome = {
    state: succeeded ? ("succeeded" as const) : ("failed" as const),
    duration_ms: result.durationMs,
    ...(result.outcome === "answered"
      ? { response_status: result.status, response_body: result.body }
      : { error: result.reason }),
  };
  const done = new Date();
  const retryAt = succeeded ? undefined : nextAttemptAt(number, done);
  await Promise.all([
    fresh
      ? db.webhookAttempts.insertOne({ ...attemptRecord, ...outcome })
      : db.webhookAttempts.updateOne({ _id: attemptId }, { $set: outcome }),
    db.webhookMessages.updateOne(
      { _id: message._id },
      {
        $set: {
          attempts: number,
          state: succeeded ? "delivered" : retryAt ? "pending" : "failed",
          updated_at: done,
          ...(retryAt && { next_attempt_at: retryAt }),
        },
      },
    ),
  ]);
  if (toBus) return succeeded ? "delivered" : "failed";
  if (succeeded) {
    await health.succeeded(endpoint!._id);
    return "delivered";
  }
  return (await recordFailure(
    db,
    endpoint!,
    await health.failed(endpoint!._id, options.now ?? done),
    options.now ?? done,
  ))
    ? "disabled"
    : "failed";
}

/** An attempt left `sending` by a dispatcher that died: recorded as failed, and its message moved on. */
async function failInterrupted(
  db: Database,
  message: WebhookMessageDocument,
  attemptId: string,
  number: number,
): Promise<boolean> {
  const claimed = await db.webhookAttempts.findOne({ _id: attemptId });
  if (claimed?.state !== "sending" || claimed.at.getTime() > Date.now() - INTERRUPTED_AFTER_MS) return false;
  await db.webhookAttempts.updateOne(
    { _id: attemptId },
    { $set: { state: "failed", error: "the attempt was interrupted" } },
  );
  const now = new Date();
  const retryAt = nextAttemptAt(number, now);
  await db.webhookMessages.updateOne(
    { _id: message._id },
    {
      $set: {
        attempts: number,
        state: retryAt ? "pending" : "failed",
        updated_at: now,
        ...(retryAt && { next_attempt_at: retryAt }),
      },
    },
  );
  return true;
}

async function deliver(
  event: ServiceEvent,
  endpoint: WebhookDocument,
  at: Date,
  options: DispatchOptions,
): Promise<SendResult> {
  const body = JSON.stringify(event);
  const secrets = activeSecrets(endpoint, at).map((entry) => entry.secret);
  return sendWebhook(
    { url: endpoint.url, headers: signedHeaders(event.id, body, secrets, at), body },
    { allowPrivateTargets: config().events.allowPrivateTargets, ...options.send },
  );
}

async function publish(event: ServiceEvent): Promise<SendResult> {
  const started = Date.now();
  const busName = config().events.busName;
  try {
    if (!busName) return { outcome: "failed", reason: "no event bus is configured", durationMs: 0 };
    await putOnBus(busName, event);
    return { outcome: "answered", status: 200, body: "", durationMs: Date.now() - started };
  } catch (error) {
    return { outcome: "failed", reason: redact((error as Error).message), durationMs: Date.now() - started };
  }
}

/**
 * A failed attempt: the endpoint is failing since its first failure after a success; once that is
 * WEBHOOK_DISABLE_AFTER_DAYS ago, it is disabled, and an event says so. Returns whether it was.
 */
async function recordFailure(db: Database, endpoint: WebhookDocument, failingSince: Date, now: Date): Promise<boolean> {
  const days = config().events.disableAfterDays;
  if (now.getTime() - failingSince.getTime() < days * 86_400_000) return false;
  const change = await beginChange(db, SYSTEM_ACTOR, [
    {
      type: "webhook.disabled",
      ...(endpoint.organization_id && { organizationId: endpoint.organization_id }),
      // Not the URL: its query may hold a receiver's token, and the feed's readers need not manage webhooks.
      data: { webhook_id: endpoint._id, failing_since: failingSince.toISOString() },
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
