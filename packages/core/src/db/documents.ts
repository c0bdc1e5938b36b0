import type { ObjectId } from "mongodb";

/**
 * Master database: one per organization. `slug` is unique and names the tenant collection.
 *
 * `pending` marks a multi-step change under way (see organizations/pending.ts): while it is set,
 * the record says what was started and what the state was before, so that a crash at any step
 * leaves something the reconciler can finish or undo.
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
    target: { email?: string; password_hash?: string };
    previous: { email: string; password_hash: string; updated_at: Date };
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
