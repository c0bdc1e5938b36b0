import type { ObjectId } from "mongodb";

/**
 * Master database: one per organization. `slug` is unique and names the tenant collection.
 *
 * `pending` marks a multi-step change under way (organizations/steps.ts defines the steps,
 * reconcile.ts repairs them): while it is set, the record says what was started and what the
 * state was before, so that a crash at any step leaves something the reconciler can finish or undo.
 */
export interface OrganizationDocument {
  _id: ObjectId;
  name: string;
  slug: string;
  collection_name: string;
  admin_id: ObjectId;
  created_at: Date;
  updated_at: Date;
  pending?: PendingOperation;
}

export type PendingOperation = PendingCreate | PendingUpdate | PendingDelete;

export interface PendingCreate {
  op: "create";
  started_at: Date;
}

export interface PendingUpdate {
  op: "update";
  started_at: Date;
  /** The record's naming before the change; equal to the current one when only credentials change. */
  previous: { name: string; slug: string; collection_name: string; updated_at: Date };
  /** Credentials to set on the admin, and the ones to restore if the change is undone. */
  credentials?: {
    target: { email?: string; password_hash?: string; credentials_version: number };
    previous: { email: string; password_hash: string; credentials_version: number; updated_at: Date };
  };
}

export interface PendingDelete {
  op: "delete";
  started_at: Date;
}

/** Master database: the organization's administrator. `email` is unique, stored lower-cased. */
export interface AdminDocument {
  _id: ObjectId;
  email: string;
  password_hash: string;
  /**
   * Bumped by every change of email or password; tokens carry the version they were issued
   * under (`cv`), so a change revokes every token issued before it.
   */
  credentials_version: number;
  organization_id: ObjectId;
  created_at: Date;
  updated_at: Date;
}

/**
 * Master database: at most one per organization (`_id` is the organization's id), held while a
 * change of that organization runs. The unique `_id` is the mutual exclusion: FerretDB evaluates
 * an update's filter and its write separately, so a conditional update is no compare-and-set
 * there, while a unique key is enforced by the storage engine on MongoDB and FerretDB alike.
 */
export interface LockDocument {
  _id: ObjectId;
  acquired_at: Date;
}

/**
 * Master database: one failed login, counted against the email and against the source address
 * (`key` = `email:<address>` or `ip:<address>`). Inserted, never updated: concurrent failures all
 * count. `expires_at` is what makes them lapse — queries filter on the window and the reconciler
 * deletes expired ones; a TTL index does it too where the server has TTL indexes.
 */
export interface LoginFailureDocument {
  _id: ObjectId;
  key: string;
  at: Date;
  expires_at: Date;
}

export type AuditAction =
  | "organization.create"
  | "admin.login"
  | "admin.login_failed"
  | "organization.update"
  | "organization.delete";

/** Master database: what happened, to which organization, by whom, from where. Never a secret. */
export interface AuditDocument {
  _id: ObjectId;
  /** Absent for events that match no organization (a failed login for an unknown email). */
  organization_id?: ObjectId;
  action: AuditAction;
  at: Date;
  admin_id?: ObjectId;
  email?: string;
  source_ip?: string;
  request_id?: string;
  details?: Record<string, string | boolean>;
}
