import type { ObjectId } from "mongodb";
import type { Role } from "../auth/permissions";
import type { EventActor, EventType } from "../events/types";

/**
 * Master database: one per organization. `slug` is unique and names the tenant collection.
 *
 * `pending` marks a multi-step change under way (organizations/steps.ts defines the steps,
 * reconcile.ts repairs them): while it is set, the record says what was started and what the
 * state was before, so that a crash at any step leaves something the reconciler can finish or undo.
 */
export interface OrganizationDocument extends EventMarked {
  _id: ObjectId;
  name: string;
  slug: string;
  collection_name: string;
  /** The user who created it, its first owner. Who may act on it is decided by memberships. */
  admin_id: ObjectId;
  created_at: Date;
  updated_at: Date;
  pending?: PendingOperation;
  /** Where its collection lives. Records from before cells get one when the service first connects. */
  placement?: PlacementDocument;
  /** A move to another cell or tier under way (cells/move.ts). */
  move?: MoveDocument;
  /**
   * Set by the platform operator (platform/suspension.ts): nobody signs in to it, its sessions and
   * clients are refused, its data is not served. Nothing is deleted; reactivating removes this.
   */
  suspended?: { at: Date; reason: string; by: string };
  /** The operator's (platform/metadata.ts): members read the public one; only platform clients the private one. */
  public_metadata?: Record<string, unknown>;
  private_metadata?: Record<string, unknown>;
  /** Set by its owners (policies/); a field absent is the service's default. */
  policies?: OrganizationPoliciesDocument;
}

/**
 * An organization's security policies (policies/), on its record: read where tokens are issued,
 * passwords set and invitations made or accepted, never on the per-request path.
 */
export interface OrganizationPoliciesDocument {
  /** Members without a TOTP factor get tokens that only let them enroll one. */
  require_mfa?: boolean;
  /** In bytes of UTF-8, as the service's own floor; absent: that floor. */
  min_password_length?: number;
  /** Lower-case ASCII domain names invitations may go to; absent: any. */
  invitation_domains?: string[];
}

/**
 * Master database: what the platform's search finds an organization by (organizations/search.ts),
 * keyed by its id — apart from the record, which every authenticated request reads whole on
 * FerretDB, so that the prefixes cost the hot path nothing.
 */
export interface OrganizationSearchDocument {
  _id: ObjectId;
  /** Prefixes of the slug and of the lower-cased name; of both names while a rename is under way. */
  prefixes: string[];
}

/** Pool: the cell's shared tenant database. Silo: a database of the tenant's own in the cell. */
export type Tier = "pool" | "silo";

export interface PlacementDocument {
  cell: string;
  tier: Tier;
  database: string;
  /**
   * What the tenant counts against its cell's budget: its collection, the index on `_id` and every
   * index it created. The records are the count (cells/capacity.ts), so no crash can leave a
   * count that disagrees with them.
   */
  namespaces: number;
}

/**
 * The steps of a move, in order; each is recorded once done, so an interrupted move resumes after
 * it. `undoing`: an undo has begun (the target is being dropped), which is only ever finished.
 */
export type MoveStep = "fenced" | "indexes-copied" | "documents-copied" | "switched" | "undoing";

export interface MoveDocument {
  from: PlacementDocument;
  to: PlacementDocument;
  /**
   * The namespaces the move holds on the side the placement does not name: the target's until
   * the switch, then the source's until it is dropped. Counted with the placements (cells/capacity.ts).
   */
  reserved: PlacementDocument;
  started_at: Date;
  /** The last step done. */
  step: MoveStep;
  /** When writes were fenced: verification waits TENANT_MOVE_DRAIN_SECONDS after it for writes already under way. */
  fenced_at: Date;
  /** When the placement switched: the source is dropped a drain period later, once no read may still use it. */
  switched_at?: Date;
  /** The platform client that started it (`POST /platform/organizations/{id}/move`); absent: the operator's command. */
  by?: string;
  /** Documents copied so far, and the `_id` of the last, to resume from. */
  copied: number;
  last_id?: unknown;
  /** Verifications that found the sides different (a write that slipped past the fence): each starts the copy afresh. */
  verify_failures: number;
}

export type PendingOperation = PendingCreate | PendingUpdate | PendingDelete;

export interface PendingCreate {
  op: "create";
  started_at: Date;
  /**
   * A restore from an archive (archives/restore.ts) rather than a sign-up: undone, it takes every
   * membership of the organization with it, and the users left with none.
   */
  restore?: true;
  /** The creator, and whether this create made the user (undone with it) or found it signed up already. */
  user_id?: ObjectId;
  user_created?: boolean;
}

export interface PendingUpdate {
  op: "update";
  started_at: Date;
  /** The change whose events this update announced (events/change.ts): undoing it takes its marks back. */
  event_change?: string;
  /** The record's naming before the change; equal to the current one when only credentials change. */
  previous: { name: string; slug: string; collection_name: string; updated_at: Date };
  /** Credentials to set on the user (`user_id`, else the record's `admin_id`), and the ones to restore if undone. */
  credentials?: {
    user_id?: ObjectId;
    /** A new email is not verified (`email_verified: false`) until its mailbox is proven again. */
    target: { email?: string; email_verified?: boolean; password_hash?: string; credentials_version: number };
    previous: {
      email: string;
      email_verified?: boolean;
      password_hash: string;
      credentials_version: number;
      updated_at: Date;
    };
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
export interface UserDocument extends EventMarked {
  _id: ObjectId;
  email: string;
  password_hash: string;
  /**
   * Whether the user has proven they receive mail at `email`: by accepting an invitation whose
   * link went to that mailbox and to nobody else. Absent (users from before it was recorded,
   * sign-ups, accepts of a token the inviter was shown): not verified.
   */
  email_verified?: boolean;
  /**
   * Bumped by every change of email or password; tokens carry the version they were issued under
   * (`cv`), so a change revokes every token issued before it. Mirrored on the user's memberships.
   */
  credentials_version: number;
  /**
   * Set while a change of credentials made outside any organization's change (a password reset, a
   * confirmed email change: account/credentials.ts) is mirrored onto the user's memberships and
   * ends their other sessions; the reconciler finishes one a crash interrupted.
   */
  credentials_changing?: Date;
  created_at: Date;
  updated_at: Date;
}

/**
 * Master database: what a link mailed to a user proves when it is followed, by the SHA-256 of its
 * token (the token itself is never stored). Only the newest of a user's tokens for a purpose
 * works: issuing one deletes the older ones, and using one checks no newer one exists (a crash
 * between the two leaves no older token usable). Using it inserts a `used_once` record keyed by
 * the token, so of any number of concurrent uses exactly one proceeds.
 */
export type AccountTokenPurpose = "password_reset" | "email_verification" | "email_change";

export interface AccountTokenDocument {
  _id: string;
  purpose: AccountTokenPurpose;
  user_id: ObjectId;
  /** Where the link was mailed: the user's address then (reset, verification), or the new address (change). */
  email: string;
  /** Orders a user's tokens for a purpose: newer wins. */
  issued: ObjectId;
  /**
   * The user's credentials version when it was issued: a change of credentials since (a reset, a
   * password or email change) voids it — a pending email change does not survive the password
   * reset its notice asks for.
   */
  credentials_version: number;
  created_at: Date;
  expires_at: Date;
}

/**
 * Master database: a user's role in an organization. `_id` is `<organization id>:<user id>`
 * (membershipId()), so one pair has one membership by construction, and every authenticated
 * request checks its token with one read by primary key: the membership exists, its `grant` is
 * the token's (a new one at every role change, so a change revokes earlier tokens), and its
 * mirrored `credentials_version` is the token's. `email` mirrors the user's, for listings.
 */
export interface MembershipDocument extends EventMarked {
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
export interface InvitationDocument extends EventMarked {
  _id: ObjectId;
  organization_id: ObjectId;
  email: string;
  role: Role;
  token_hash: string;
  pending_key: string;
  invited_by: ObjectId;
  /**
   * Whether the inviter was shown the token (no mail transport reaches the invitee's mailbox
   * alone). Then accepting proves nothing about the mailbox; otherwise it does. Absent on
   * invitations from before this was recorded, which all showed it.
   */
  token_shown?: boolean;
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
  /** The organization's id; or `<organization id>:indexes` for its index changes alone (organizations/lock.ts). */
  _id: ObjectId | string;
  acquired_at: Date;
  /** Set by a holder doing long work (a tenant move): it is stale a grace period after this instead. */
  renewed_at?: Date;
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

/**
 * Master database: one login of a user into one organization, named by the access tokens it
 * issues (`sid`). Every authenticated request reads it by `_id` — the one read that checks the
 * token is still current — so it mirrors what that check needs from the membership and the user:
 * `role`, `grant`, `credentials_version` and `email`, copied when the session opens and never
 * changed afterwards. A change of any of them (a role change, a removal, an email or password
 * change, a delete) deletes the sessions it covers instead: revoking is deleting, which no
 * concurrent write can undo (on FerretDB an update writes back the whole document it read, so an
 * update racing a revocation could otherwise restore it). The reconciler deletes sessions whose
 * mirror no longer matches their membership (a change that crashed between its two writes) and
 * expired ones.
 */
export interface SessionDocument {
  _id: ObjectId;
  user_id: ObjectId;
  organization_id: ObjectId;
  /** The membership it was opened for (`<organization id>:<user id>`). */
  membership_id: string;
  role: Role;
  grant: ObjectId;
  credentials_version: number;
  email: string;
  created_at: Date;
  /** The login or the last refresh. */
  last_used_at: Date;
  source_ip?: string;
  user_agent?: string;
  /** Absolute end: `SESSION_TTL_DAYS` after the login, whatever happens. */
  expires_at: Date;
  /** Idle end: `SESSION_IDLE_DAYS` after the last refresh (never past `expires_at`). */
  idle_expires_at: Date;
  /** Whether the login passed a second factor. */
  mfa: boolean;
  /**
   * Opened by the single sign-on of this organization (sso/), not by a password: password logins'
   * rules (enforced single sign-on) do not apply to it, and what it proves holds while that
   * organization holds the user's email domain.
   */
  sso_organization_id?: ObjectId;
  /**
   * The organization is suspended: mirrored here by the suspension (and by the reconciler, should
   * a write race it), so the one read every request makes refuses the session without another.
   */
  suspended?: boolean;
  /**
   * Whether the user's email was verified when the session opened. Tokens carry it; a refresh
   * reads the user again only while it is false (verifying changes no credentials, so it does not
   * end sessions; an email change, which unverifies, ends them).
   */
  email_verified?: boolean;
}

/**
 * Master database: a refresh token issued to a session, by the SHA-256 of the token (the token
 * itself is never stored). One per refresh: rotation issues the next and consumes this one.
 */
export interface RefreshTokenDocument {
  _id: string;
  session_id: ObjectId;
  issued_at: Date;
  /** The session's absolute end: the token cannot outlive it. */
  expires_at: Date;
}

/**
 * Master database: a refresh token consumed. The one refresh that inserts this (keyed like the
 * token) rotates; any other presentation of that token fails on the unique `_id` and is a reuse:
 * the session is revoked.
 */
export interface RefreshTokenUseDocument {
  _id: string;
  session_id: ObjectId;
  used_at: Date;
  expires_at: Date;
}

/** Master database: a TOTP secret offered to a user (`_id`), pending until a code from it is verified. */
export interface MfaEnrollmentDocument {
  _id: ObjectId;
  secret: string;
  created_at: Date;
  expires_at: Date;
}

/**
 * Master database: a user's enabled TOTP factor, keyed by the user's id, so a user has at most
 * one (enabling inserts it; disabling deletes it). Recovery codes are stored as SHA-256 hashes.
 */
export interface MfaFactorDocument extends EventMarked {
  _id: ObjectId;
  secret: string;
  recovery_code_hashes: string[];
  enabled_at: Date;
}

/**
 * Master database: a login waiting for its second factor, by the SHA-256 of its `mfa_token`:
 * the password was right; the code completes it. Lives 5 minutes.
 */
export interface MfaChallengeDocument {
  _id: string;
  user_id: ObjectId;
  organization_id: ObjectId;
  /** The credentials it was begun under: a change of them since voids it (absent on earlier ones: void as well). */
  credentials_version?: number;
  /** Begun after a single sign-on of this organization rather than a password: the session says so too. */
  sso_organization_id?: ObjectId;
  created_at: Date;
  expires_at: Date;
}

/**
 * Master database: something that may be used once, used — by its key, whose unique `_id` makes
 * "once" hold under any concurrency: `totp:<user>:<time step>` (a code within its step),
 * `recovery:<user>:<code hash>`, `challenge:<challenge hash>`, `account:<token hash>` (a mailed link). `expires_at` when it can be
 * forgotten (recovery codes: when the factor goes).
 */
export interface UsedOnceDocument {
  _id: string;
  /** Absent for a use before any user is known (a single sign-on's callback). */
  user_id?: ObjectId;
  kind: "totp" | "recovery" | "challenge" | "account-token" | "sso-login" | "sso-handoff";
  used_at: Date;
  expires_at?: Date;
}

/**
 * Master database: a machine client of the OAuth 2.0 client credentials grant (clients/). An
 * organization's client acts for that organization alone, with some of the data scopes; a platform
 * client is the operator's, with the platform scopes, and belongs to no organization. Never updated
 * once written (a rename is not offered): revoking deletes it, with its secrets, which the next
 * token request and every outstanding token's next request find gone.
 */
export interface ClientDocument extends EventMarked {
  /** The `client_id`: `oc_…` (organization) or `pc_…` (platform), random. */
  _id: string;
  kind: "organization" | "platform";
  organization_id?: ObjectId;
  name: string;
  scopes: string[];
  created_at: Date;
  /** Who made it: a user (organization clients) or nobody (a platform client made by the command). */
  created_by?: ObjectId;
}

/**
 * Master database: one secret of a client, in one of its two slots (`_id` = `<client_id>:<0|1>`),
 * so a client has at most two secrets at once by construction (rotation: add the new one, move
 * callers over, delete the old one). Only the secret's SHA-256 is stored (256 random bits: nothing
 * to guess from it) and the first characters, to tell secrets apart. Deleted, never updated: a
 * secret removed is gone for every later check. When it was last used lives in
 * `client_secret_uses`, so the token path never writes the secret's document.
 */
export interface ClientSecretDocument extends EventMarked {
  _id: string;
  client_id: string;
  /** Shown in listings, to name the secret to delete. */
  secret_id: string;
  hash: string;
  prefix: string;
  created_at: Date;
}

export interface ClientSecretUseDocument {
  /** The secret's `secret_id`. */
  _id: string;
  last_used_at: Date;
}

export type AuditAction =
  | "session.revoked"
  | "session.logout"
  | "session.refresh_reuse_detected"
  | "session.switched"
  | "mfa.enabled"
  | "mfa.disabled"
  | "mfa.recovery_code_used"
  | "member.invited"
  | "invitation.revoked"
  | "invitation.accepted"
  | "member.role_changed"
  | "member.removed"
  | "organization.create"
  | "admin.login"
  | "admin.login_failed"
  | "user.password_reset_requested"
  | "user.password_reset"
  | "user.email_verified"
  | "user.email_change_requested"
  | "user.email_changed"
  | "client.created"
  | "client.secret_added"
  | "client.secret_deleted"
  | "client.revoked"
  | "organization.suspended"
  | "organization.metadata_updated"
  | "organization.policies_changed"
  | "organization.reactivated"
  | "organization.update"
  | "organization.delete"
  | "sso.connection_saved"
  | "sso.connection_changed"
  | "sso.connection_deleted"
  | "sso.login"
  | "sso.login_failed"
  | "sso.member_joined"
  | "sso.break_glass_login"
  | "data.index_created"
  | "data.index_dropped"
  | "data.quota_exceeded"
  | "tenant.move_started"
  | "tenant.moved"
  | "tenant.move_undone"
  | "platform.organizations_listed"
  | "platform.organization_viewed"
  | "platform.organization_deleted"
  | "platform.move_started"
  | "platform.move_viewed"
  | "webhook.created"
  | "webhook.updated"
  | "webhook.deleted"
  | "webhook.secret_rotated"
  | "webhook.resent"
  | "webhook.replayed"
  | "organization.export_started"
  | "organization.exported"
  | "organization.export_failed"
  | "organization.restored"
  | "domain.claimed"
  | "domain.verified"
  | "domain.unverified"
  | "domain.join_mode_changed"
  | "domain.released"
  | "member.joined_by_domain"
  | "join_request.created"
  | "join_request.approved"
  | "join_request.declined";

/** Master database: what happened, to which organization, by whom, from where. Never a secret. */
export interface AuditDocument {
  _id: ObjectId;
  /** Absent for events that match no organization (a failed login for an unknown email). */
  organization_id?: ObjectId;
  action: AuditAction;
  at: Date;
  admin_id?: ObjectId;
  /** The machine client that acted (clients/), when one did rather than a user. */
  client_id?: string;
  email?: string;
  source_ip?: string;
  request_id?: string;
  details?: Record<string, string | boolean>;
}

/**
 * What a change leaves in the document it writes, in the same write: `event_marks.<slot>` = the
 * change's id (events/change.ts). It is the proof, for the reconciler, that a change whose process
 * died before its events reached the feed did happen. One slot per event type, so they stay few.
 */
export interface EventMarked {
  event_marks?: Record<string, string>;
}

/**
 * How the reconciler tells whether the change an intent announced happened: the document carries
 * the change's mark (`marked`), the document is gone (`gone`, of that incarnation when one is
 * named: a membership re-created under the same `_id` is another), or the index exists or not.
 */
export type EventProof =
  | { kind: "marked"; collection: MarkedCollection; id: ObjectId | string; slot: string }
  | {
      kind: "gone";
      collection: MarkedCollection;
      id: ObjectId | string;
      incarnation?: { field: string; value: unknown };
    }
  | { kind: "index"; organization_id: ObjectId; name: string; present: boolean };

export type MarkedCollection =
  | "organizations"
  | "users"
  | "memberships"
  | "invitations"
  | "clients"
  | "clientSecrets"
  | "mfaFactors"
  | "webhooks"
  | "exports";

/** The event's fields as the feed and every delivery carry them. */
export interface EventFields {
  type: EventType;
  organization_id?: ObjectId;
  actor: EventActor;
  at: Date;
  data: Record<string, unknown>;
}

/**
 * Master database: an event announced before its change is made (`_id` is the event's id). Its
 * change's writer appends it to the feed once the change is made and deletes this; a writer that
 * died leaves it, and the reconciler judges it by its proof: appended if the change happened,
 * dropped if not.
 */
export interface EventIntentDocument extends EventFields {
  _id: string;
  /** The change's id, the value of the mark its proof looks for. */
  change: string;
  proof: EventProof;
  created_at: Date;
}

/**
 * Master database: the feed. `seq` numbers every event, `org_seq` those of one organization, both
 * without gaps and in the order they became visible: each is taken by inserting under a unique
 * key (`seq`, `org_key` = `<organization id>:<org_seq>`) the number after one seen taken, so no
 * number is visible before the ones under it. `page` and `org_page` group them by
 * events/feed.ts's `EVENTS_PER_PAGE`, so a reader asks for one page by equality (which FerretDB's indexes
 * serve) instead of a range.
 */
export interface EventDocument extends EventFields {
  _id: string;
  seq: number;
  page: number;
  /** `<organization id>:<org_seq>`; `-:<event id>` for an event of no organization. */
  org_key: string;
  org_seq?: number;
  org_page?: string;
}

/** Master database: the highest number known taken in a feed (`all`, or an organization's id): where appending starts looking. */
export interface EventHeadDocument {
  _id: string;
  seq: number;
}

/**
 * Master database: a webhook endpoint. An organization's (`organization_id`: its owners and admins
 * made it, it receives that organization's events) or the platform's (made by a platform client:
 * every organization's, or those of `organization_ids`). `event_types` are the types it receives.
 */
export interface WebhookDocument extends EventMarked {
  /** `we_…`, random. */
  _id: string;
  owner: "organization" | "platform";
  organization_id?: ObjectId;
  /** A platform endpoint's filter; absent: every organization. */
  organization_ids?: ObjectId[];
  url: string;
  event_types: EventType[];
  description?: string;
  /**
   * The signing secrets (`whsec_…`), newest first: a rotation adds one and keeps the previous one
   * signing alongside until its `expires_at`, so receivers can move over without missing one. They
   * sign, so they are kept as they are (a hash cannot sign); they are never shown after creation
   * or rotation and never logged.
   */
  secrets: { secret: string; created_at: Date; expires_at?: Date }[];
  /** Set by its owner, or by delivery when every attempt failed for WEBHOOK_DISABLE_AFTER_DAYS. */
  disabled?: { at: Date; reason: "by_owner" | "failing" };
  created_at: Date;
  updated_at: Date;
}

/**
 * Master database: since when every delivery to an endpoint has failed, written by delivery alone
 * (so it never writes the endpoint's document back over its owner's change).
 */
export interface WebhookHealthDocument {
  _id: string;
  failing_since?: Date;
}

/**
 * Master database: one event to deliver to one endpoint (`_id` = `<endpoint id>:<event id>`, with
 * `:<replay id>` for a replay), so fanning an event out twice makes it once. `pending` until a
 * 2xx (`delivered`) or until the last retry fails (`failed`); a resend makes it pending again.
 */
export interface WebhookMessageDocument {
  _id: string;
  endpoint_id: string;
  event_id: string;
  organization_id?: ObjectId;
  state: "pending" | "delivered" | "failed";
  /** Attempts made (the next one is number `attempts + 1`). */
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
}

/**
 * Master database: one attempt (`_id` = `<message id>:<number>`). Inserting it is what claims the
 * attempt: of two dispatchers at once, one sends.
 */
export interface WebhookAttemptDocument {
  _id: string;
  message_id: string;
  endpoint_id: string;
  event_id: string;
  number: number;
  at: Date;
  state: "sending" | "succeeded" | "failed";
  response_status?: number;
  /** The first kilobyte of the answer. */
  response_body?: string;
  /** Why it failed without an answer (refused target, timeout, connection error). */
  error?: string;
  duration_ms?: number;
}

/**
 * Master database: an export of one organization's data (archives/exports.ts). `running` while
 * its worker writes the archive, the heartbeat renewed at every batch; a worker that died is
 * recognized by a heartbeat older than the grace period and its export marked `failed`.
 */
export interface ExportDocument extends EventMarked {
  _id: ObjectId;
  organization_id: ObjectId;
  /** Who asked for it: an owner, or a platform client (whose export holds the private metadata). */
  requested_by: EventActor;
  private_metadata: boolean;
  state: "running" | "completed" | "failed";
  created_at: Date;
  heartbeat_at: Date;
  /** The collection's estimated size when the export began: progress is counted against it. */
  documents_total: number;
  documents_exported: number;
  finished_at?: Date;
  /** A completed export's archive: where it is kept, its size and SHA-256, until when. */
  archive?: { key: string; bytes: number; sha256: string; expires_at: Date; removed?: true };
  counts?: Record<string, number>;
  /** A failed export's reason, as the API says it. */
  failure?: string;
}

/**
 * Master database: the one export running for an organization, keyed by the organization's id so
 * that of two starts at once the unique `_id` lets one through.
 */
export interface ExportLockDocument {
  _id: ObjectId;
  export_id: ObjectId;
  started_at: Date;
}

/**
 * Master database: how an export ended, decided once by inserting it under the export's id (a
 * worker completing it and the reconciler failing it as stale race for it), then applied to the
 * export's record (`set`, marks included).
 */
export interface ExportOutcomeDocument {
  _id: ObjectId;
  set: Partial<ExportDocument> & { state: "completed" | "failed" };
  /** A completion's change (events/change.ts): its mark is written with the state. */
  event_change?: string;
}

/**
 * An organization's OpenID Connect connection (sso/), keyed by the organization's id: one per
 * organization. The client secret is stored sealed with the stage's SSO key, never in clear.
 */
export interface SsoConnectionDocument {
  _id: ObjectId;
  issuer: string;
  client_id: string;
  /** A compact JWE (dir, A256GCM) under SSO_ENCRYPTION_KEY: sso/secret-box.ts. */
  client_secret_sealed: string;
  scopes: string[];
  /** The ID token claims that carry the user's email and name. */
  email_claim: string;
  name_claim: string;
  /** The provider's metadata as discovered when the connection was saved or last tested. */
  provider: SsoProviderMetadata;
  enabled: boolean;
  /** Password login refused for the users of the organization's verified domains (owners excepted). */
  enforced: boolean;
  created_at: Date;
  updated_at: Date;
  tested_at?: Date;
}

export interface SsoProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
  /** RFC 9207: the provider names itself in its authorization answers, which are then checked for it. */
  authorization_response_iss_parameter_supported?: boolean;
}

/** A sign-in started at the provider, waiting for its callback; keyed by the SHA-256 of its `state`. */
export interface SsoLoginDocument {
  _id: string;
  organization_id: ObjectId;
  /** SHA-256 of the random value in the browser's cookie: the callback must come from that browser. */
  browser_hash: string;
  code_verifier: string;
  nonce: string;
  /** S256 of the verifier the dashboard keeps, which the handoff's exchange must present. */
  handoff_challenge: string;
  created_at: Date;
  expires_at: Date;
}

/** A completed sign-in waiting for the dashboard to exchange it for tokens; keyed by the SHA-256 of its code. */
export interface SsoHandoffDocument {
  _id: string;
  organization_id: ObjectId;
  user_id: ObjectId;
  handoff_challenge: string;
  created_at: Date;
  expires_at: Date;
}

/** What a verified domain lets a user with a verified email in it do (domains/joining.ts). */
export type JoinMode = "off" | "auto-join" | "suggest";

/**
 * Master database: an organization's claim of an email domain (domains/), unique per organization
 * and domain (several organizations may claim one). It is verified by publishing `token` as a TXT
 * record at `_org-service-verification.<domain>`; the `verified_domains` row, not `verified_at`,
 * says who holds the domain: `verified_at` mirrors it for listings, and the reconciler mends the
 * mirror after a crash between the two writes.
 */
export interface DomainClaimDocument {
  _id: ObjectId;
  organization_id: ObjectId;
  /** Lower-case ASCII (IDNA's punycode for a name in another script). */
  domain: string;
  /** The TXT record's value, `org-service-verification=<random>`: published in DNS, so no secret. */
  token: string;
  join_mode: JoinMode;
  created_at: Date;
  verified_at?: Date;
  /** The last DNS lookup of the record: the owner's verify, or the reconciler's re-check. */
  last_checked_at?: Date;
  /** Re-checks in a row that found no record (a DNS failure is none): at 3 the domain is unverified. */
  check_failures?: number;
}

/**
 * Master database: a domain verified by one organization, keyed by the domain: the insert under
 * that `_id` is what decides which of two organizations verifying it at once holds it (the other
 * gets a duplicate key). What single sign-on and joining by domain read.
 */
export interface VerifiedDomainDocument {
  _id: string;
  organization_id: ObjectId;
  claim_id: ObjectId;
  verified_at: Date;
}

/**
 * Master database: a user's request to join an organization whose verified domain is in `suggest`
 * mode (domains/joining.ts). `_id` is `<organization id>:<user id>`, so asking twice is one
 * request; owners and admins approve or decline it under the organization's lock.
 */
export interface JoinRequestDocument {
  _id: string;
  organization_id: ObjectId;
  user_id: ObjectId;
  /** The user's email when they asked, and its domain (the verified domain that made them eligible). */
  email: string;
  domain: string;
  state: "pending" | "approved" | "declined";
  requested_at: Date;
  decided_at?: Date;
  decided_by?: ObjectId;
}
