import { authenticateOrganizationClient } from "../clients/authenticate";
import { config } from "../config";
import { database } from "../db/client";
import { OrganizationSuspendedError, UnauthenticatedError } from "../errors";
import type { AuthenticatedActor } from "../organizations/model";
import { startOrganizationRead, toObjectId } from "../organizations/model";
import { hasEnded } from "../sessions/session";
import { may } from "./permissions";
import { verifyAnyAccessToken } from "./tokens";

/** What the check reads of a session: the fields it compares with the token, and the email. */
export const sessionCheckProjection = {
  user_id: 1,
  organization_id: 1,
  role: 1,
  grant: 1,
  credentials_version: 1,
  email: 1,
  expires_at: 1,
  idle_expires_at: 1,
  suspended: 1,
} as const;

/**
 * The one check every authenticated request passes: the token verifies (tokens.ts) AND is still
 * current — its session exists (logout, a revocation, a role change, a removal, a credential
 * change or a delete deletes it), has not ended (idle or absolute expiry), and holds the token's
 * user, organization, role, grant and credentials version, which it mirrors from the membership
 * and the user. All of that is one read by primary key: the session's `_id` is the token's `sid`.
 *
 * `authorizerClaims`: on protected routes API Gateway's authorizer has already verified the token;
 * its claims must then name the same user, organization and session (defence in depth: a
 * misconfigured or bypassed authorizer cannot smuggle in an identity).
 *
 * `readOrganization`: for routes that go on to the organization's record (its data, its
 * collection), that record is read at the same time as the session instead of after it; the
 * request's first `ownOrganization` uses it, and only once the session has passed.
 */
export async function authenticate(
  token: string | undefined,
  authorizerClaims?: Readonly<Record<string, unknown>>,
  now: Date = new Date(),
  { readOrganization = false }: { readonly readOrganization?: boolean } = {},
): Promise<AuthenticatedActor> {
  const verified = token === undefined ? undefined : await verifyAnyAccessToken(token);
  if (verified?.kind === "client") {
    // An organization's machine client, on the routes its scopes reach (clients/authenticate.ts).
    const client = await authenticateOrganizationClient(verified.claims, authorizerClaims);
    if (client) return client;
  }
  if (verified?.kind !== "user") throw new UnauthenticatedError();
  const { claims } = verified;
  if (
    authorizerClaims &&
    (authorizerClaims.sub !== claims.sub || authorizerClaims.org !== claims.org || authorizerClaims.sid !== claims.sid)
  ) {
    throw new UnauthenticatedError();
  }
  const sessionId = toObjectId(claims.sid);
  if (!sessionId || !toObjectId(claims.sub) || !toObjectId(claims.org)) throw new UnauthenticatedError();

  const db = await database();
  const organizationRead = readOrganization ? startOrganizationRead(db, claims.org) : undefined;
  const session = await db.sessions.findOne({ _id: sessionId }, { projection: sessionCheckProjection });
  if (
    !session ||
    hasEnded(session, now) ||
    session.user_id.toHexString() !== claims.sub ||
    session.organization_id.toHexString() !== claims.org ||
    session.grant.toHexString() !== claims.gr ||
    session.credentials_version !== claims.cv ||
    session.role !== claims.role
  ) {
    throw new UnauthenticatedError();
  }
  // Mirrored on the session by the suspension: refused with its own answer, and no other read.
  if (session.suspended) throw new OrganizationSuspendedError();
  const actor: AuthenticatedActor = {
    userId: claims.sub,
    organizationId: claims.org,
    role: session.role,
    // What the token was granted, within what the role holds now (core checks both: requireScope).
    scopes: claims.scopes.filter((scope) => may(session.role, scope)),
    email: session.email,
    sessionId: claims.sid,
    ...(!claims.emailVerified && config().accounts.requireVerifiedEmail && { emailUnverified: true }),
    // Decided when the token was issued (policies/mfa-enrollment.ts), so this costs the request no read.
    ...(claims.mfaEnrollmentRequired && { mfaEnrollmentRequired: true }),
  };
  organizationRead?.adopt(actor);
  return actor;
}

/** For public routes, where a token is optional: the actor, or `undefined` for anything less than a valid, current token. */
export async function authenticateOptionally(token: string | undefined): Promise<AuthenticatedActor | undefined> {
  if (token === undefined) return undefined;
  return authenticate(token).catch((error: unknown) => {
    if (error instanceof UnauthenticatedError) return undefined;
    throw error;
  });
}
