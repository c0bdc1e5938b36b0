/**
 * The one route table. The SST stack builds an API Gateway route and a Lambda function from each
 * entry (with the entry's memory, timeout and throttle), the local server dispatches requests with
 * it, and the OpenAPI document must have an operation for each, so none of them can drift apart.
 *
 * Kept free of runtime imports: infrastructure code reads it at synth time without loading the
 * MongoDB driver or any handler.
 */
import type { Scope } from "@org-service/core";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * What a function needs bound to it at deploy time: secrets and the values derived from them,
 * `mail`, the permission to send through Amazon SES (and `MAIL_FROM`), and `archives`, the
 * stage's archive bucket to read (presigned downloads, restores) and the export function to start,
 * and `sso-key`, the key that seals single sign-on connections' client secrets.
 */
export type Capability = "database" | "signing-key" | "mail" | "archives" | "sso-key";

export interface Throttle {
  /** Requests per second, steady state, for the route across all callers. */
  readonly rate: number;
  /** Requests allowed at once above the rate. */
  readonly burst: number;
}

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  /** Module under `packages/functions/src/handlers/`, exporting `handler`. */
  readonly handler: string;
  /** `jwt`: API Gateway's JWT authorizer must accept the bearer token before the handler runs. */
  readonly auth: "public" | "jwt";
  /**
   * On `jwt` routes, the scope the token must carry (core's permission table): API Gateway refuses
   * any other token with 403 before the function runs, and the function checks the role again.
   */
  readonly scope?: Scope;
  readonly needs: readonly Capability[];
  /** The function's memory in MB, which buys its CPU; {@link ROUTE_DEFAULTS} when absent. */
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** API Gateway answers 429 above it. */
  readonly throttle?: Throttle;
}

export const ROUTE_DEFAULTS = {
  /**
   * Most functions are I/O-bound (one MongoDB round trip, or an RS256 signature): 512 MB is enough
   * for the driver and a fast cold start.
   */
  memoryMb: 512,
  /**
   * A cold start opens a TLS connection to Atlas (SRV lookup, handshake, auth: 1-3 s) before the
   * first query; a warm request takes tens of milliseconds. 10 s leaves room for that plus a bcrypt
   * hash, well under API Gateway's 30 s integration limit, and stops a stuck connection early.
   */
  timeoutSeconds: 10,
  throttle: { rate: 100, burst: 200 },
} as const satisfies Required<Pick<Route, "memoryMb" | "timeoutSeconds" | "throttle">>;

/**
 * Memory buys CPU on Lambda (1,769 MB = one vCPU). bcryptjs is single-threaded JavaScript, and at
 * cost 12 a hash or a comparison takes roughly 0.2-0.3 s of a full vCPU — about twice that at
 * 1,024 MB — so the handlers that hash or verify a password get one whole vCPU (more would not be
 * used).
 */
export const PASSWORD_HASHING_MEMORY_MB = 1769;

export const routes = [
  // Sign-up costs a hash and creates a tenant: a tight limit.
  {
    method: "POST",
    path: "/org/create",
    handler: "create-organization",
    auth: "public",
    // The keys: a signed-in user may create another organization with only its name. Mail: the
    // verification link of a new user.
    needs: ["database", "signing-key", "mail"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    throttle: { rate: 2, burst: 5 },
  },
  { method: "GET", path: "/org/get", handler: "get-organization", auth: "public", needs: ["database", "signing-key"] },
  // Login is the password-guessing target and costs a bcrypt comparison each time.
  {
    method: "POST",
    path: "/admin/login",
    handler: "login",
    auth: "public",
    needs: ["database", "signing-key"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    throttle: { rate: 5, burst: 10 },
  },
  // Protected handlers verify the token again themselves (defence in depth), so they need the keys too.
  {
    method: "PUT",
    path: "/org/update",
    handler: "update-organization",
    auth: "jwt",
    // Credentials are everyone's own; renaming (owner, admin) is checked in the function.
    scope: "profile:write",
    // A new email is confirmed by mail.
    needs: ["database", "signing-key", "mail"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
  },
  // The organization's security policies (owners): what its members' logins, passwords and invitations are held to.
  {
    method: "PATCH",
    path: "/org/policies",
    handler: "update-organization-policies",
    auth: "jwt",
    scope: "org:policies",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/delete",
    handler: "delete-organization",
    auth: "jwt",
    scope: "org:delete",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/audit",
    handler: "organization-audit",
    auth: "jwt",
    scope: "audit:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/collection",
    handler: "organization-collection",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/usage",
    handler: "organization-usage",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  // The tenant document API: always the caller's own collection, found from the token's organization.
  {
    method: "POST",
    path: "/org/data/documents",
    handler: "insert-document",
    auth: "jwt",
    scope: "data:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/data/documents",
    handler: "list-documents",
    auth: "jwt",
    scope: "data:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/data/documents/{id}",
    handler: "get-document",
    auth: "jwt",
    scope: "data:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "PUT",
    path: "/org/data/documents/{id}",
    handler: "replace-document",
    auth: "jwt",
    scope: "data:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "PATCH",
    path: "/org/data/documents/{id}",
    handler: "patch-document",
    auth: "jwt",
    scope: "data:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/data/documents/{id}",
    handler: "delete-document",
    auth: "jwt",
    scope: "data:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/data/indexes",
    handler: "list-indexes",
    auth: "jwt",
    scope: "data:indexes",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/data/indexes",
    handler: "create-index",
    auth: "jwt",
    scope: "data:indexes",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/data/indexes/{name}",
    handler: "drop-index",
    auth: "jwt",
    scope: "data:indexes",
    needs: ["database", "signing-key"],
  },
  // Members, roles and invitations.
  { method: "GET", path: "/me", handler: "me", auth: "jwt", scope: "org:read", needs: ["database", "signing-key"] },
  {
    method: "GET",
    path: "/me/organizations",
    handler: "list-my-organizations",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/members",
    handler: "list-members",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "PUT",
    path: "/org/members/{user_id}",
    handler: "change-member-role",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  // Leaving is removing yourself, which every role may: who may remove whom is checked in the function.
  {
    method: "DELETE",
    path: "/org/members/{user_id}",
    handler: "remove-member",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/invitations",
    handler: "invite-member",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key", "mail"],
  },
  {
    method: "GET",
    path: "/org/invitations",
    handler: "list-invitations",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/invitations/{invitation_id}",
    handler: "revoke-invitation",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  // Public: the invitation's token is the credential (and a new member's password is hashed here).
  {
    method: "POST",
    path: "/invitations/accept",
    handler: "accept-invitation",
    auth: "public",
    needs: ["database", "signing-key"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    throttle: { rate: 5, burst: 10 },
  },
  // Verified email domains (owners, admins), and joining an organization by one's verified email's
  // domain (domains/). The three path prefixes are what the stacks group these routes by.
  {
    method: "GET",
    path: "/org/domains",
    handler: "list-domains",
    auth: "jwt",
    scope: "org:domains",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/domains",
    handler: "claim-domain",
    auth: "jwt",
    scope: "org:domains",
    needs: ["database", "signing-key"],
  },
  // A DNS lookup each (DNS_TIMEOUT_MILLISECONDS at most, one at a time per organization): kept few across all callers.
  {
    method: "POST",
    path: "/org/domains/{domain}/verify",
    handler: "verify-domain",
    auth: "jwt",
    scope: "org:domains",
    needs: ["database", "signing-key"],
    throttle: { rate: 5, burst: 10 },
  },
  {
    method: "PATCH",
    path: "/org/domains/{domain}",
    handler: "update-domain",
    auth: "jwt",
    scope: "org:domains",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/domains/{domain}",
    handler: "release-domain",
    auth: "jwt",
    scope: "org:domains",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/join-requests",
    handler: "list-join-requests",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/join-requests/{request_id}/approve",
    handler: "approve-join-request",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/join-requests/{request_id}/decline",
    handler: "decline-join-request",
    auth: "jwt",
    scope: "members:manage",
    needs: ["database", "signing-key"],
  },
  // User-level: whichever organization the token is for, what the user's verified email lets them join.
  {
    method: "GET",
    path: "/me/joinable-organizations",
    handler: "list-joinable-organizations",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/me/joinable-organizations/{organization_id}/join",
    handler: "join-organization",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  // Sessions. Public: the refresh token is the credential (rotated, single-use; no bcrypt).
  {
    method: "POST",
    path: "/auth/refresh",
    handler: "refresh-session",
    auth: "public",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/auth/logout",
    handler: "logout",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  // Another organization of the caller's, without the password: the live session is the credential.
  {
    method: "POST",
    path: "/auth/switch",
    handler: "switch-organization",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
    // Opens a session: limited like the other doors that do.
    throttle: { rate: 5, burst: 10 },
  },
  // The code step of a login with two-factor login on: a guessing target like login itself.
  {
    method: "POST",
    path: "/auth/mfa",
    handler: "complete-mfa-login",
    auth: "public",
    needs: ["database", "signing-key"],
    throttle: { rate: 5, burst: 10 },
  },
  // The account's own links: public, the mailed token is the credential. Asking for a link mails
  // only known addresses, so it is throttled like login; setting a password hashes one.
  {
    method: "POST",
    path: "/auth/password-reset",
    handler: "request-password-reset",
    auth: "public",
    needs: ["database", "signing-key", "mail"],
    throttle: { rate: 5, burst: 10 },
  },
  {
    method: "POST",
    path: "/auth/password-reset/confirm",
    handler: "confirm-password-reset",
    auth: "public",
    needs: ["database", "signing-key", "mail"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    throttle: { rate: 5, burst: 10 },
  },
  {
    method: "POST",
    path: "/auth/verify-email",
    handler: "verify-email",
    auth: "public",
    needs: ["database", "signing-key"],
    throttle: { rate: 5, burst: 10 },
  },
  // With the user's bearer token, their session continues under the new email.
  {
    method: "POST",
    path: "/auth/confirm-email",
    handler: "confirm-email-change",
    auth: "public",
    needs: ["database", "signing-key", "mail"],
    throttle: { rate: 5, burst: 10 },
  },
  // Allowed to an unverified user when REQUIRE_VERIFIED_EMAIL is on: it is what verifying needs.
  {
    method: "POST",
    path: "/me/verify-email",
    handler: "resend-email-verification",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key", "mail"],
  },
  {
    method: "GET",
    path: "/me/sessions",
    handler: "list-sessions",
    auth: "jwt",
    scope: "org:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/me/sessions",
    handler: "revoke-other-sessions",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/me/sessions/{session_id}",
    handler: "revoke-session",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  // Two-factor login (TOTP): everyone's own, like their credentials.
  {
    method: "POST",
    path: "/me/mfa/totp",
    handler: "enroll-totp",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/me/mfa/totp/verify",
    handler: "verify-totp",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
  },
  // Disabling may be proven with the password: a bcrypt comparison.
  {
    method: "DELETE",
    path: "/me/mfa/totp",
    handler: "disable-totp",
    auth: "jwt",
    scope: "profile:write",
    needs: ["database", "signing-key"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
  },
  // Machine clients: the OAuth 2.0 client credentials grant (public: the client's secret is the
  // credential, checked and throttled like a password), and an organization's own clients.
  {
    method: "POST",
    path: "/oauth/token",
    handler: "oauth-token",
    auth: "public",
    needs: ["database", "signing-key"],
    throttle: { rate: 50, burst: 100 },
  },
  {
    method: "POST",
    path: "/org/clients",
    handler: "create-client",
    auth: "jwt",
    scope: "clients:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/clients",
    handler: "list-clients",
    auth: "jwt",
    scope: "clients:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/clients/{client_id}/secrets",
    handler: "add-client-secret",
    auth: "jwt",
    scope: "clients:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/clients/{client_id}/secrets/{secret_id}",
    handler: "delete-client-secret",
    auth: "jwt",
    scope: "clients:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/clients/{client_id}",
    handler: "revoke-client",
    auth: "jwt",
    scope: "clients:manage",
    needs: ["database", "signing-key"],
  },
  // The platform API: a platform client's token (client credentials), never a user's — no role
  // holds the platform scopes. Every organization, whoever owns it.
  {
    method: "GET",
    path: "/platform/organizations",
    handler: "platform-list-organizations",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/platform/organizations/{organization_id}",
    handler: "platform-get-organization",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/platform/organizations/{organization_id}",
    handler: "platform-delete-organization",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "PATCH",
    path: "/platform/organizations/{organization_id}/metadata",
    handler: "platform-patch-metadata",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/organizations/{organization_id}/suspend",
    handler: "platform-suspend-organization",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/organizations/{organization_id}/reactivate",
    handler: "platform-reactivate-organization",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/organizations/{organization_id}/move",
    handler: "platform-start-move",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/platform/organizations/{organization_id}/move",
    handler: "platform-get-move",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  // Exports of an organization's data (its owners; platform clients for any), and restores from them.
  {
    method: "POST",
    path: "/org/exports",
    handler: "start-export",
    auth: "jwt",
    scope: "org:export",
    needs: ["database", "signing-key", "archives"],
    throttle: { rate: 2, burst: 5 },
  },
  {
    method: "GET",
    path: "/org/exports",
    handler: "list-exports",
    auth: "jwt",
    scope: "org:export",
    needs: ["database", "signing-key", "archives"],
  },
  {
    method: "GET",
    path: "/org/exports/{export_id}",
    handler: "get-export",
    auth: "jwt",
    scope: "org:export",
    needs: ["database", "signing-key", "archives"],
  },
  {
    method: "POST",
    path: "/platform/organizations/{organization_id}/exports",
    handler: "platform-start-export",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key", "archives"],
    throttle: { rate: 2, burst: 5 },
  },
  {
    method: "GET",
    path: "/platform/organizations/{organization_id}/exports",
    handler: "platform-list-exports",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key", "archives"],
  },
  {
    method: "GET",
    path: "/platform/organizations/{organization_id}/exports/{export_id}",
    handler: "platform-get-export",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key", "archives"],
  },
  // A restore reads, checks and writes a whole organization: time, memory (which buys CPU) and a tight limit.
  {
    method: "POST",
    path: "/platform/organizations/restore",
    handler: "platform-restore-organization",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key", "mail", "archives"],
    memoryMb: 1769,
    timeoutSeconds: 29,
    throttle: { rate: 1, burst: 2 },
  },
  // Events: the feeds, and webhook endpoints of an organization (its owners and admins) and of the platform.
  {
    method: "GET",
    path: "/org/events",
    handler: "list-organization-events",
    auth: "jwt",
    scope: "events:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/platform/events",
    handler: "platform-list-events",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/webhooks",
    handler: "create-webhook",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/webhooks",
    handler: "list-webhooks",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "PATCH",
    path: "/org/webhooks/{webhook_id}",
    handler: "update-webhook",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/webhooks/{webhook_id}",
    handler: "delete-webhook",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/webhooks/{webhook_id}/rotate-secret",
    handler: "rotate-webhook-secret",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/org/webhooks/{webhook_id}/messages",
    handler: "list-webhook-messages",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/webhooks/{webhook_id}/resend",
    handler: "resend-webhook-message",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/webhooks/{webhook_id}/replay",
    handler: "replay-webhook",
    auth: "jwt",
    scope: "webhooks:manage",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/webhooks",
    handler: "platform-create-webhook",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/platform/webhooks",
    handler: "platform-list-webhooks",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "PATCH",
    path: "/platform/webhooks/{webhook_id}",
    handler: "platform-update-webhook",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/platform/webhooks/{webhook_id}",
    handler: "platform-delete-webhook",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/webhooks/{webhook_id}/rotate-secret",
    handler: "platform-rotate-webhook-secret",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/platform/webhooks/{webhook_id}/messages",
    handler: "platform-list-webhook-messages",
    auth: "jwt",
    scope: "platform:read",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/webhooks/{webhook_id}/resend",
    handler: "platform-resend-webhook-message",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/platform/webhooks/{webhook_id}/replay",
    handler: "platform-replay-webhook",
    auth: "jwt",
    scope: "platform:write",
    needs: ["database", "signing-key"],
  },
  { method: "GET", path: "/health", handler: "health", auth: "public", needs: ["database"] },
  {
    method: "GET",
    path: "/.well-known/openid-configuration",
    handler: "openid-configuration",
    auth: "public",
    needs: [],
  },
  { method: "GET", path: "/.well-known/jwks.json", handler: "jwks", auth: "public", needs: ["signing-key"] },
  // What people and tools read: the OpenAPI document, Swagger UI on it, and the dashboard.
  // `{asset}` is one path segment, as API Gateway matches it (the local server does the same).
  { method: "GET", path: "/openapi.json", handler: "openapi", auth: "public", needs: [] },
  { method: "GET", path: "/docs", handler: "docs", auth: "public", needs: [] },
  { method: "GET", path: "/docs/{asset}", handler: "docs", auth: "public", needs: [] },
  { method: "GET", path: "/", handler: "dashboard", auth: "public", needs: [] },
  { method: "GET", path: "/dashboard/{asset}", handler: "dashboard", auth: "public", needs: [] },
  // Single sign-on (sso/): the organization's OpenID Connect connection, and signing in through it.
  {
    method: "GET",
    path: "/org/sso",
    handler: "get-sso-connection",
    auth: "jwt",
    scope: "org:sso",
    needs: ["database", "signing-key"],
  },
  // Saving discovers the provider: a few seconds at most (its requests time out at 5 s each).
  {
    method: "PUT",
    path: "/org/sso",
    handler: "save-sso-connection",
    auth: "jwt",
    scope: "org:sso",
    needs: ["database", "signing-key", "sso-key"],
    timeoutSeconds: 20,
  },
  {
    method: "PATCH",
    path: "/org/sso",
    handler: "change-sso-connection",
    auth: "jwt",
    scope: "org:sso",
    needs: ["database", "signing-key"],
  },
  {
    method: "DELETE",
    path: "/org/sso",
    handler: "delete-sso-connection",
    auth: "jwt",
    scope: "org:sso",
    needs: ["database", "signing-key"],
  },
  {
    method: "POST",
    path: "/org/sso/test",
    handler: "test-sso-connection",
    auth: "jwt",
    scope: "org:sso",
    needs: ["database", "signing-key"],
    timeoutSeconds: 20,
  },
  // Browser navigations. Only the callback opens the sealed client secret (for the code exchange),
  // and hashes a password: a just-in-time user's unusable one.
  {
    method: "GET",
    path: "/auth/sso/start",
    handler: "start-sso-login",
    auth: "public",
    needs: ["database", "signing-key"],
  },
  {
    method: "GET",
    path: "/auth/sso/callback/{organization_id}",
    handler: "sso-callback",
    auth: "public",
    needs: ["database", "signing-key", "sso-key"],
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    timeoutSeconds: 20,
  },
  {
    method: "POST",
    path: "/auth/sso/exchange",
    handler: "exchange-sso-login",
    auth: "public",
    needs: ["database", "signing-key"],
  },
] as const satisfies readonly Route[];

export const routeKey = (route: Pick<Route, "method" | "path">): string => `${route.method} ${route.path}`;

/** A route's memory, timeout and throttle, the defaults filled in. */
export function settingsOf(route: Route): Required<Pick<Route, "memoryMb" | "timeoutSeconds" | "throttle">> {
  return {
    memoryMb: route.memoryMb ?? ROUTE_DEFAULTS.memoryMb,
    timeoutSeconds: route.timeoutSeconds ?? ROUTE_DEFAULTS.timeoutSeconds,
    throttle: route.throttle ?? ROUTE_DEFAULTS.throttle,
  };
}
