import type { ObjectId } from "mongodb";
import type { Role } from "../auth/permissions";

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
  /** The user who created it, its first owner. Who may act on it is decided by memberships. */
  admin_id: ObjectId;
  created_at: Date;
  updated_at: Date;
  pending?: PendingOperation;
}

export type PendingOperation = PendingCreate | PendingUpdate | PendingDelete;

export interface PendingCreate {
  op: "create";
  started_at: Date;
  /** The creator, and whether this create made the user (undone with it) or found it signed up already. */
  user_id?: ObjectId;
  user_created?: boolean;
}

export interface PendingUpdate {
  op: "update";
  started_at: Date;
  /** The record's naming before the change; equal to the current one when only credentials change. */
  previous: { name: string; slug: string; collection_name: string; updated_at: Date };
  /** Credentials to set on the user (`user_id`, else the record's `admin_id`), and the ones to restore if undone. */
  credentials?: {
    user_id?: ObjectId;
    target: { email?: string; password_hash?: string; credentials_version: number };
    previous: { email: string; password_hash: string; credentials_version: number; updated_at: Date };
  };
}

export interface PendingDelete {
  op: "delete";
  started_at: Date;
}

/**
 * Master database: a person, who may belong to several organizations. `email` is unique, stored
 * lower-cased.
 */
export interface UserDocument {
  _id: ObjectId;
  email: string;
  password_hash: string;
  /**
   * Bumped by every change of email or password; tokens carry the version they were issued under
   * (`cv`), so a change revokes every token issued before it. Mirrored on the user's memberships.
   */
  credentials_version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * Master database: a user's role in an organization. `_id` is `<organization id>:<user id>`
 * (membershipId()), so one pair has one membership by construction, and every authenticated
 * request checks its token with one read by primary key: the membership exists, its `grant` is
 * the token's (a new one at every role change, so a change revokes earlier tokens), and its
 * mirrored `credentials_version` is the token's. `email` mirrors the user's, for listings.
 */
export interface MembershipDocument {
  _id: string;
  organization_id: ObjectId;
  user_id: ObjectId;
  role: Role;
  grant: ObjectId;
  email: string;
  credentials_version: number;
  joined_at: Date;
  updated_at: Date;
}

/**
 * Master database: an invitation to join an organization, by email. Only the SHA-256 of its token
 * is stored. `pending_key` is `<organization id>:<email>` while it is pending and made unique
 * (`…:closed:<id>`) once it is accepted, revoked or replaced, so the unique index on it allows one
 * pending invitation per email and organization (FerretDB has no partial indexes).
 */
export interface InvitationDocument {
  _id: ObjectId;
  organization_id: ObjectId;
  email: string;
  role: Role;
  token_hash: string;
  pending_key: string;
  invited_by: ObjectId;
  created_at: Date;
  expires_at: Date;
  accepted_at?: Date;
  revoked_at?: Date;
}

/**
 * Master database: whoever inserts this (keyed by the invitation's id) is the one accept that
 * proceeds; every concurrent one fails on the unique `_id`. Removed if that accept then fails.
 */
export interface InvitationClaimDocument {
  _id: ObjectId;
  claimed_at: Date;
}

/** Master database, before users and memberships: an organization's single administrator (migrated on connect). */
export interface LegacyAdminDocument {
  _id: ObjectId;
  email: string;
  password_hash: string;
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
  | "member.invited"
  | "invitation.revoked"
  | "invitation.accepted"
  | "member.role_changed"
  | "member.removed"
  | "organization.create"
  | "admin.login"
  | "admin.login_failed"
  | "organization.update"
  | "organization.delete"
  | "data.index_created"
  | "data.index_dropped"
  | "data.quota_exceeded";

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
