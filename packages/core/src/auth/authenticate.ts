import { database } from "../db/client";
import { UnauthenticatedError } from "../errors";
import type { AuthenticatedActor } from "../organizations/model";
import { toObjectId } from "../organizations/model";
import { verifyAccessToken } from "./tokens";

/**
 * The one check every authenticated request passes: the token verifies (tokens.ts) AND is still
 * current — its admin exists, still belongs to its organization, and has not changed email or
 * password since it was issued. That makes a credential change or a delete revoke every earlier
 * token, at the cost of one read by primary key.
 *
 * `authorizerClaims`: on protected routes API Gateway's authorizer has already verified the token;
 * its claims must then name the same admin and organization (defence in depth: a misconfigured or
 * bypassed authorizer cannot smuggle in an identity).
 */
export async function authenticate(
  token: string | undefined,
  authorizerClaims?: Readonly<Record<string, unknown>>,
): Promise<AuthenticatedActor> {
  const claims = token === undefined ? undefined : await verifyAccessToken(token);
  if (!claims) throw new UnauthenticatedError();
  if (authorizerClaims && (authorizerClaims.sub !== claims.sub || authorizerClaims.org !== claims.org))
    throw new UnauthenticatedError();

  const adminId = toObjectId(claims.sub);
  const organizationId = toObjectId(claims.org);
  if (!adminId || !organizationId) throw new UnauthenticatedError();
  const db = await database();
  const admin = await db.admins.findOne(
    { _id: adminId },
    { projection: { organization_id: 1, credentials_version: 1, email: 1 } },
  );
  if (!admin?.organization_id.equals(organizationId) || admin.credentials_version !== claims.cv) {
    throw new UnauthenticatedError();
  }
  return { adminId: claims.sub, organizationId: claims.org, email: admin.email };
}

/** For public routes, where a token is optional: the actor, or `undefined` for anything less than a valid, current token. */
export async function authenticateOptionally(token: string | undefined): Promise<AuthenticatedActor | undefined> {
  if (token === undefined) return undefined;
  return authenticate(token).catch((error: unknown) => {
    if (error instanceof UnauthenticatedError) return undefined;
    throw error;
  });
}
