/**
 * What the service tells the outside world about its changes. Free of imports, so the route
 * table, the request schemas and the OpenAPI document can read the list.
 */
export const EVENT_TYPES = [
  "organization.created",
  "organization.renamed",
  "organization.deleted",
  "organization.suspended",
  "organization.reactivated",
  "organization.metadata_updated",
  "member.added",
  "member.role_changed",
  "member.removed",
  "invitation.created",
  "invitation.accepted",
  "invitation.revoked",
  "user.email_changed",
  "user.email_verified",
  "user.password_changed",
  "user.mfa_enabled",
  "user.mfa_disabled",
  "client.created",
  "client.secret_rotated",
  "client.revoked",
  "tenant.moved",
  "index.created",
  "index.dropped",
  "webhook.disabled",
  "export.completed",
  "organization.restored",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Who made a change: a user, an organization's machine client, a platform client, or the service itself. */
export type EventActor =
  | { readonly type: "user"; readonly id: string }
  | { readonly type: "client"; readonly id: string }
  | { readonly type: "platform"; readonly id: string }
  | { readonly type: "system" };

/** An event as the feed, webhooks and EventBridge carry it. */
export interface ServiceEvent {
  /** `evt_…`, stable: the same on every delivery, the feed and EventBridge. */
  readonly id: string;
  readonly type: EventType;
  /** Absent only for the platform's own changes (a platform client's creation). */
  readonly organization_id?: string;
  readonly actor: EventActor;
  readonly occurred_at: string;
  /** What changed; never a secret, hash or token. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** The largest page the feeds serve. */
export const EVENTS_PAGE_MAX = 100;
