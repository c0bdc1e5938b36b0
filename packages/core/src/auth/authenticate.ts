import { database } from "../db/client";
import { UnauthenticatedError } from "../errors";
import { membershipId } from "../members/membership";
import type { AuthenticatedActor } from "../organizations/model";
import { toObjectId } from "../organizations/model";
import { verifyAccessToken } from "./tokens";

/**
 * The one check every authenticated request passes: the token verifies (tokens.ts) AND is still
 * current — its membership exists (a removal or a delete ends it), holds the token's grant (a role
 * change renews it) and the token's credentials version (an email or password change bumps it).
 * All of that is one read by primary key: the membership's `_id` is the token's organization and
 * user.
 *
 * `authorizerClaims`: on protected routes API Gateway's authorizer has already verified the token;
 * its claims must then name the same user and organization (defence in depth: a misconfigured or
 * bypassed authorizer cannot smuggle in an identity).
 */
export async function authenticate(
  token: string | undefined,
  authorizerClaims?: Readonly<Record<string, unknown>>,
): Promise<AuthenticatedActor> {
  const claims = token === undefined ? undefined : await verifyAccessToken(token);
  if (!claims) throw new UnauthenticatedError();
  if (authorizerClaims && (authorizerClaims.sub !== claims.sub || authorizerClaims.org !== claims.org)) {
    throw new UnauthenticatedError();
  }
  if (!toObjectId(claims.sub) || !toObjectId(claims.org)) throw new UnauthenticatedError();

  const db = await database();
  const membership = await db.memberships.findOne(
    { _id: membershipId(claims.org, claims.sub) },
    { projection: { role: 1, grant: 1, credentials_version: 1, email: 1 } },
  );
  if (
    !membership ||
    membership.grant.toHexString() !== claims.gr ||
    membership.credentials_version !== claims.cv ||
    membership.role !== claims.role
  ) {
    throw new UnauthenticatedError();
  }
  return { userId: claims.sub, organizationId: claims.org, role: membership.role, email: membership.email };
}

/** For public routes, where a token is optional: the actor, or `undefined` for anything less than a valid, current token. */
export async function authenticateOptionally(token: string | undefined): Promise<AuthenticatedActor | undefined> {
  if (token === undefined) return undefined;
  return authenticate(token).catch((error: unknown) => {
    if (error instanceof UnauthenticatedError) return undefined;
    throw error;
  });
}
