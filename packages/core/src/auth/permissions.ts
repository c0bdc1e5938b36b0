import { EmailNotVerifiedError, ForbiddenError, MfaEnrollmentRequiredError } from "../errors";

/**
 * The one permission table: which role may do what. Tokens carry the scopes of their role
 * (`scope` claim), the route table names the scope each protected route needs (API Gateway's JWT
 * authorizer refuses a token without it), and every operation checks again here, from the role
 * the database holds now. Free of imports but the errors, so the route table can read it.
 */
export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Read the organization (with `admin_email`), list its members, read its collection and usage. */
  "org:read": ["owner", "admin", "member"],
  /** Change one's own email or password, leave the organization. */
  "profile:write": ["owner", "admin", "member"],
  /** Rename the organization. */
  "org:rename": ["owner", "admin"],
  /** Invite, revoke invitations, change the roles of and remove admins and members. */
  "members:manage": ["owner", "admin"],
  /** Grant or take `owner`, remove an owner. */
  "owners:manage": ["owner"],
  /** Delete the organization. */
  "org:delete": ["owner"],
  /** Read the audit log. */
  "audit:read": ["owner", "admin"],
  /** Read the organization's own documents (get, list) and its indexes. */
  "data:read": ["owner", "admin", "member"],
  /** Insert, replace, patch and delete the organization's own documents. */
  "data:write": ["owner", "admin", "member"],
  /** Create and drop indexes on the organization's collection. */
  "data:indexes": ["owner", "admin"],
  /** Create, list, rotate the secrets of and revoke the organization's machine clients (clients/). */
  "clients:manage": ["owner", "admin"],
  /** Export the organization's data, and download its exports (archives/). */
  "org:export": ["owner"],
  /** Read the organization's event feed (events/). */
  "events:read": ["owner", "admin"],
  /** Register, change, replay and delete the organization's webhook endpoints (webhooks/). */
  "webhooks:manage": ["owner", "admin"],
  /**
   * Configure, test, enable, enforce and delete the organization's single sign-on connection (sso/).
   * Owners only: whoever chooses the provider chooses who signs in as each of the domain's users.
   */
  "org:sso": ["owner"],
  /** Claim, verify, set the join mode of and release the organization's email domains (domains/). */
  "org:domains": ["owner", "admin"],
  /** Set the organization's security policies: two-factor login, password length, invitation domains (policies/). */
  "org:policies": ["owner"],
  /**
   * The platform operator's, held by no role: only a platform client's token carries them
   * (clients/). Read every organization; change any (metadata, suspension, moves, deletes).
   */
  "platform:read": [],
  "platform:write": [],
} as const satisfies Record<string, readonly Role[]>;

/** What an organization's client may be granted: its data and its events, never its members, clients or settings. */
export const ORGANIZATION_CLIENT_SCOPES = [
  "data:read",
  "data:write",
  "data:indexes",
  "events:read",
] as const satisfies readonly Scope[];
/**
 * What the token of a member who must enroll a second factor carries (policies/mfa-enrollment.ts),
 * within their role's: enrolling (`profile:write`: POST /me/mfa/totp and /verify) and reading who
 * they are (`org:read`: GET /me), logging out. API Gateway refuses every other route's scope before
 * the function runs; core refuses the rest of these two scopes' operations (see {@link requireScope}).
 */
export const MFA_ENROLLMENT_SCOPES = ["org:read", "profile:write"] as const satisfies readonly Scope[];
/** What a platform client may be granted. */
export const PLATFORM_SCOPES = ["platform:read", "platform:write"] as const satisfies readonly Scope[];

export type Scope = keyof typeof PERMISSIONS;
export const SCOPES = Object.keys(PERMISSIONS) as Scope[];

export function may(role: Role, scope: Scope): boolean {
  return (PERMISSIONS[scope] as readonly Role[]).includes(role);
}

/** The scopes a token of this role carries. */
export function scopesOf(role: Role): Scope[] {
  return SCOPES.filter((scope) => may(role, scope));
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Refuse, with a message that names what is missing, unless `role` may. */
export function requirePermission(role: Role, scope: Scope, action: string): void {
  if (!may(role, scope)) throw new ForbiddenError(`A ${role} may not ${action}.`);
}

/** Who acts, as far as permissions go: a role, and the scopes the caller's token was granted. */
export interface ScopedCaller {
  readonly role: Role;
  /**
   * The scopes of the token the request came with (authenticate.ts reads them from its `scope`
   * claim, within the role's). Absent only for a caller the service builds itself (a command, a
   * test): then the role's own.
   */
  readonly scopes?: readonly Scope[] | undefined;
  /**
   * Set by authentication when REQUIRE_VERIFIED_EMAIL is on and the token says the user's email is
   * not verified: only what verifying needs is allowed (see {@link requireScope}).
   */
  readonly emailUnverified?: boolean;
  /**
   * Set by authentication from the token's `mfa_enrollment_required` claim: the organization
   * requires two-factor login and the user had no factor when the token was issued. Only what
   * enrolling needs is allowed (see {@link requireScope}).
   */
  readonly mfaEnrollmentRequired?: boolean;
}

/**
 * The check every operation behind a protected route makes first, with the route's scope: the
 * role must hold it and so must the token. API Gateway's authorizer checks the token's scopes
 * before the function runs; this checks them again in core, with the role the database holds now,
 * so a misconfigured route, a bypassed authorizer or a narrowed token grants nothing more.
 */
export function requireScope(
  caller: ScopedCaller,
  scope: Scope,
  action: string,
  options: { readonly whileUnverified?: "allowed"; readonly whileEnrollingMfa?: "allowed" } = {},
): void {
  requirePermission(caller.role, scope, action);
  // Before the token's scopes: its narrowed `scope` lacks most, and this says why and what to do.
  if (caller.mfaEnrollmentRequired && options.whileEnrollingMfa !== "allowed") {
    throw new MfaEnrollmentRequiredError(
      `The organization requires two-factor login: enroll an authenticator app (POST /me/mfa/totp, then POST /me/mfa/totp/verify) and refresh the session (POST /auth/refresh) before you ${action}.`,
    );
  }
  if (caller.scopes && !caller.scopes.includes(scope)) {
    throw new ForbiddenError(`This token does not carry the "${scope}" scope, which is needed to ${action}.`);
  }
  if (caller.emailUnverified && options.whileUnverified !== "allowed") {
    throw new EmailNotVerifiedError(`Verify your email address before you ${action}.`);
  }
}

/** The known scopes in a token's space-separated `scope` claim. */
export function parseScopes(claim: unknown): Scope[] {
  if (typeof claim !== "string") return [];
  const granted = new Set(claim.split(" "));
  return SCOPES.filter((scope) => granted.has(scope));
}
