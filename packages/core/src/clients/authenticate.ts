import type { Scope } from "../auth/permissions";
import { type ClientTokenClaims, verifyClientAccessToken } from "../auth/tokens";
import { database } from "../db/client";
import { ForbiddenError, UnauthenticatedError } from "../errors";
import type { AuthenticatedActor } from "../organizations/model";

/**
 * The per-request check of a machine client's token, as a user's is checked against its session:
 * the token verifies, and the client still exists (revoking deletes it) with the token's kind and
 * organization — one read by primary key. The token's scopes count only within what the client
 * holds now.
 */
async function currentClient(
  claims: ClientTokenClaims | undefined,
  authorizerClaims?: Readonly<Record<string, unknown>>,
) {
  if (!claims) return undefined;
  if (authorizerClaims && (authorizerClaims.sub !== claims.clientId || authorizerClaims.org !== claims.org)) {
    throw new UnauthenticatedError();
  }
  const client = await (await database()).clients.findOne({ _id: claims.clientId });
  if (!client || client.organization_id?.toHexString() !== claims.org) throw new UnauthenticatedError();
  return { client, scopes: claims.scopes.filter((scope) => client.scopes.includes(scope)) };
}

/**
 * An organization's client as the actor of a request on the organization's routes: it acts for
 * that organization alone, through the same paths as a member, with its scopes (data scopes only,
 * by construction of what it can be granted). Its role is `admin` so that the role check lets
 * `data:indexes` through; the token's scopes are what bound it. `undefined` when the token is no
 * client's (authenticate.ts then treats it as a user's).
 */
export async function authenticateOrganizationClient(
  claims: ClientTokenClaims,
  authorizerClaims?: Readonly<Record<string, unknown>>,
): Promise<AuthenticatedActor | undefined> {
  const found = await currentClient(claims, authorizerClaims);
  if (!found) return undefined;
  const { client, scopes } = found;
  if (client.kind !== "organization" || !client.organization_id) throw new UnauthenticatedError();
  return {
    userId: client._id,
    clientId: client._id,
    organizationId: client.organization_id.toHexString(),
    role: "admin",
    scopes,
    email: "",
    sessionId: "",
  };
}

/** The operator's client, acting on the platform routes: no organization, platform scopes only. */
export interface PlatformActor {
  readonly clientId: string;
  readonly scopes: readonly Scope[];
}

/** A platform client's token, current; anything else (a user's, an organization client's) is 401. */
export async function authenticatePlatform(
  token: string | undefined,
  authorizerClaims?: Readonly<Record<string, unknown>>,
): Promise<PlatformActor> {
  const found = await currentClient(
    token === undefined ? undefined : await verifyClientAccessToken(token),
    authorizerClaims,
  );
  if (found?.client.kind !== "platform") throw new UnauthenticatedError();
  return { clientId: found.client._id, scopes: found.scopes };
}

/** The check every platform operation makes first, as requireScope for the organization's routes. */
export function requirePlatformScope(
  actor: PlatformActor,
  scope: "platform:read" | "platform:write",
  action: string,
): void {
  if (!actor.scopes.includes(scope)) {
    throw new ForbiddenError(`This token does not carry the "${scope}" scope, which is needed to ${action}.`);
  }
}
