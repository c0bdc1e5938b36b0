import { ObjectId } from "mongodb";
import { requireScope } from "./auth/permissions";
import { AUDIT_PAGE_MAX } from "./audit-page";
import { pageLimit, pageOf } from "./paging";
import { nowOf, type RequestContext } from "./context";
import { database, type Database } from "./db/client";
import type { AuditAction, AuditDocument } from "./db/documents";
import { ValidationError } from "./errors";
import { logger, redact, requestFields } from "./logger";
import type { Actor } from "./organizations/model";
import { toObjectId } from "./organizations/model";

/**
 * The audit log: every create, login (success and failure), update and delete, with who, what,
 * when, from where and in which request. Never a password, hash or token.
 */
export interface AuditEvent {
  readonly action: AuditAction;
  readonly organizationId?: ObjectId;
  /** The user who acted (for a sign-in, the one who tried). */
  readonly userId?: ObjectId;
  /** A machine client that acted instead of a user. */
  readonly clientId?: string;
  readonly email?: string;
  readonly details?: Record<string, string | boolean>;
}

/**
 * Recorded after the fact and best effort: the operation has happened by then, so a failing audit
 * write is logged for operators rather than turned into an error for a change that succeeded.
 */
export async function recordAudit(db: Database, event: AuditEvent, context: RequestContext = {}): Promise<void> {
  const entry: AuditDocument = {
    _id: new ObjectId(),
    action: event.action,
    at: nowOf(context),
    ...(event.organizationId && { organization_id: event.organizationId }),
    ...(event.userId && { admin_id: event.userId }),
    ...(event.clientId && { client_id: event.clientId }),
    ...(event.email && { email: event.email }),
    ...(context.sourceIp && { source_ip: context.sourceIp }),
    ...(context.requestId && { request_id: context.requestId }),
    ...(event.details && { details: event.details }),
  };
  try {
    await db.audit.insertOne(entry);
  } catch (error) {
    logger.error("audit entry not recorded", {
      action: event.action,
      error: redact((error as Error).message),
      ...requestFields(context),
    });
  }
}

export interface AuditEntry {
  readonly id: string;
  readonly action: AuditAction;
  readonly at: Date;
  /** The user who acted: the log's `admin_id`, its name since before users. */
  readonly userId?: string;
  readonly clientId?: string;
  readonly email?: string;
  readonly sourceIp?: string;
  readonly requestId?: string;
  readonly details?: Record<string, string | boolean>;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  readonly nextCursor?: string;
}

/** The caller's own organization's entries, newest first, a page at a time (keyset pagination on `_id`). */
export async function listAudit(actor: Actor, options: { limit?: number; before?: string } = {}): Promise<AuditPage> {
  requireScope(actor, "audit:read", "read the audit log");
  const limit = pageLimit(options.limit, 50, AUDIT_PAGE_MAX);
  const before = options.before === undefined ? undefined : toObjectId(options.before);
  if (options.before !== undefined && !before)
    throw new ValidationError([{ path: "before", message: "is not a cursor from a previous page" }]);
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) return { entries: [] };

  const db = await database();
  const documents = await db.audit
    .find({ organization_id: organizationId, ...(before && { _id: { $lt: before } }) })
    .sort({ _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(documents, limit, (last) => last._id.toHexString());
  return {
    entries: items.map((document) => ({
      id: document._id.toHexString(),
      action: document.action,
      at: document.at,
      ...(document.admin_id && { userId: document.admin_id.toHexString() }),
      ...(document.client_id && { clientId: document.client_id }),
      ...(document.email && { email: document.email }),
      ...(document.source_ip && { sourceIp: document.source_ip }),
      ...(document.request_id && { requestId: document.request_id }),
      ...(document.details && { details: document.details }),
    })),
    ...(nextCursor && { nextCursor }),
  };
}
