import { randomBytes } from "node:crypto";
import { config } from "../config";
import type { ObjectId } from "mongodb";
import { database, type Database } from "../db/client";
import type { WebhookDocument } from "../db/documents";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import type { EventType } from "../events/types";
import { parseInput } from "../validation";
import { nowOf, type RequestContext } from "../context";
import { auditWebhook, organizationIdsOf, ownedBy, type WebhookOwner } from "./owner";
import {
  type WebhookCreateInput,
  type WebhookUpdateInput,
  WEBHOOKS_PER_ORGANIZATION,
  webhookCreateSchema,
  webhookUpdateSchema,
} from "./schemas";
import { checkTargetUrl } from "./send";

/** An endpoint as listed: never its secrets. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly EventType[];
  readonly description?: string;
  /** A platform endpoint's organizations; absent: all. */
  readonly organizationIds?: readonly string[];
  readonly enabled: boolean;
  /** Why it is disabled: by its owner, or because every delivery failed for days. */
  readonly disabledReason?: "by_owner" | "failing";
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An endpoint as created: with its signing secret, shown this once. */
export interface CreatedWebhook extends WebhookEndpoint {
  readonly secret: string;
}

/** How long a replaced secret keeps signing alongside the new one. */
export const PREVIOUS_SECRET_HOURS = 24;

/** `whsec_` and 24 random bytes in base64: the Standard Webhooks form receivers' libraries take. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export async function createWebhook(
  owner: WebhookOwner,
  input: WebhookCreateInput,
  context: RequestContext = {},
): Promise<CreatedWebhook> {
  const parsed = parseInput(webhookCreateSchema, input);
  checkUrl(parsed.url);
  if (owner.kind === "organization" && parsed.organization_ids) {
    throw new ValidationError([{ path: "organization_ids", message: "is for platform endpoints only" }]);
  }
  const db = await database();
  const limit = owner.kind === "organization" ? WEBHOOKS_PER_ORGANIZATION : WEBHOOKS_PER_ORGANIZATION * 10;
  if ((await db.webhooks.countDocuments(ownedBy(owner), { limit })) >= limit) {
    throw new ConflictError(`At most ${limit} webhook endpoints; delete one first.`, "url", {
      issue: "too many endpoints",
    });
  }
  const now = nowOf(context);
  const secret = newWebhookSecret();
  const endpoint: WebhookDocument = {
    _id: `we_${randomBytes(12).toString("hex")}`,
    owner: owner.kind,
    ...(owner.kind === "organization" && { organization_id: owner.organizationId }),
    ...(parsed.organization_ids && { organization_ids: organizationIdsOf(parsed.organization_ids) }),
    url: parsed.url,
    event_types: [...new Set(parsed.event_types)],
    ...(parsed.description !== undefined && { description: parsed.description }),
    secrets: [{ secret, created_at: now }],
    created_at: now,
    updated_at: now,
  };
  await db.webhooks.insertOne(endpoint);
  await auditWebhook(db, owner, "webhook.created", endpoint._id, context, { origin: originOf(endpoint.url) });
  return { ...toEndpoint(endpoint), secret };
}

export async function listWebhooks(owner: WebhookOwner): Promise<WebhookEndpoint[]> {
  const db = await database();
  const endpoints = await db.webhooks.find(ownedBy(owner)).toArray();
  return endpoints.sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map(toEndpoint);
}

export async function updateWebhook(
  owner: WebhookOwner,
  id: string,
  input: WebhookUpdateInput,
  context: RequestContext = {},
): Promise<WebhookEndpoint> {
  const parsed = parseInput(webhookUpdateSchema, input);
  if (parsed.url !== undefined) checkUrl(parsed.url);
  if (owner.kind === "organization" && parsed.organization_ids !== undefined) {
    throw new ValidationError([{ path: "organization_ids", message: "is for platform endpoints only" }]);
  }
  const db = await database();
  const endpoint = await ownedEndpoint(owner, id);
  const now = nowOf(context);
  const set: Partial<WebhookDocument> = {
    updated_at: now,
    ...(parsed.url !== undefined && { url: parsed.url }),
    ...(parsed.event_types !== undefined && { event_types: [...new Set(parsed.event_types)] }),
    ...(parsed.description !== undefined && { description: parsed.description }),
    ...(parsed.organization_ids && { organization_ids: organizationIdsOf(parsed.organization_ids) }),
    ...(parsed.enabled === false && !endpoint.disabled && { disabled: { at: now, reason: "by_owner" as const } }),
  };
  const unset = {
    ...(parsed.organization_ids === null && { organization_ids: "" as const }),
    ...(parsed.enabled === true && { disabled: "" as const }),
  };
  await db.webhooks.updateOne(
    { _id: endpoint._id },
    { $set: set, ...(Object.keys(unset).length > 0 && { $unset: unset }) },
  );
  // Enabled again: it starts afresh, not five days into failing.
  if (parsed.enabled === true && endpoint.disabled) await db.webhookHealth.deleteOne({ _id: endpoint._id });
  await auditWebhook(db, owner, "webhook.updated", endpoint._id, context, {
    ...(parsed.url !== undefined && { origin: originOf(parsed.url) }),
    ...(parsed.enabled !== undefined && { enabled: parsed.enabled }),
  });
  return toEndpoint((await db.webhooks.findOne({ _id: endpoint._id })) ?? endpoint);
}

/** Every endpoint of a deleted organization, with what goes with each. */
export async function deleteWebhooksOf(db: Database, organizationId: ObjectId): Promise<void> {
  const endpoints = await db.webhooks.find({ organization_id: organizationId }, { projection: { _id: 1 } }).toArray();
  for (const endpoint of endpoints) await deleteEndpoint(db, endpoint._id);
}

async function deleteEndpoint(db: Database, id: string): Promise<void> {
  await db.webhooks.deleteOne({ _id: id });
  await Promise.all([
    db.webhookMessages.deleteMany({ endpoint_id: id }),
    db.webhookAttempts.deleteMany({ endpoint_id: id }),
    db.webhookHealth.deleteOne({ _id: id }),
  ]);
}

/** Delete an endpoint: nothing more is delivered to it, and its messages and attempts go with it. */
export async function deleteWebhook(owner: WebhookOwner, id: string, context: RequestContext = {}): Promise<void> {
  const db = await database();
  const endpoint = await ownedEndpoint(owner, id);
  await deleteEndpoint(db, endpoint._id);
  await auditWebhook(db, owner, "webhook.deleted", endpoint._id, context);
}

/**
 * A new signing secret, shown this once. The previous one keeps signing alongside it for
 * {@link PREVIOUS_SECRET_HOURS} (every delivery carries both signatures), so a receiver moves over
 * without refusing a delivery; older ones go.
 */
export async function rotateWebhookSecret(
  owner: WebhookOwner,
  id: string,
  context: RequestContext = {},
): Promise<{ secret: string }> {
  const db = await database();
  const endpoint = await ownedEndpoint(owner, id);
  const now = nowOf(context);
  const secret = newWebhookSecret();
  const [current] = activeSecrets(endpoint, now);
  const secrets = [
    { secret, created_at: now },
    ...(current ? [{ ...current, expires_at: new Date(now.getTime() + PREVIOUS_SECRET_HOURS * 3_600_000) }] : []),
  ];
  await db.webhooks.updateOne({ _id: endpoint._id }, { $set: { secrets, updated_at: now } });
  await auditWebhook(db, owner, "webhook.secret_rotated", endpoint._id, context);
  return { secret };
}

/** The secrets that sign now, newest first. */
export function activeSecrets(endpoint: Pick<WebhookDocument, "secrets">, now: Date): WebhookDocument["secrets"] {
  return endpoint.secrets.filter((entry) => !entry.expires_at || entry.expires_at > now);
}

export async function ownedEndpoint(owner: WebhookOwner, id: string): Promise<WebhookDocument> {
  const db = await database();
  const endpoint = await db.webhooks.findOne(ownedBy(owner, id));
  if (!endpoint) throw new NotFoundError("No webhook endpoint of yours has this id.");
  return endpoint;
}

/** What an audit entry says of a target: its scheme, host and port, never its path or query. */
function originOf(url: string): string {
  return new URL(url).origin;
}

function checkUrl(url: string): void {
  const problem = checkTargetUrl(url, config().events.allowPrivateTargets);
  if (problem) throw new ValidationError([{ path: "url", message: problem }]);
}

export function toEndpoint(endpoint: WebhookDocument): WebhookEndpoint {
  return {
    id: endpoint._id,
    url: endpoint.url,
    eventTypes: endpoint.event_types,
    ...(endpoint.description !== undefined && { description: endpoint.description }),
    ...(endpoint.organization_ids && { organizationIds: endpoint.organization_ids.map((id) => id.toHexString()) }),
    enabled: !endpoint.disabled,
    ...(endpoint.disabled && { disabledReason: endpoint.disabled.reason }),
    createdAt: endpoint.created_at,
    updatedAt: endpoint.updated_at,
  };
}
