import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { config } from "../config";
import { SIGNING_ALGORITHM, signingKeys } from "./keys";
import { isRole, MFA_ENROLLMENT_SCOPES, parseScopes, type Role, type Scope, scopesOf } from "./permissions";

/**
 * What a valid access token says: who (`sub`, the user) acts for which organization (`org`) in
 * which session (`sid`) and role, under which version of the user's credentials (`cv`) and which
 * grant of the membership (`gr`, renewed by every role change). The `scope` claim (space-separated,
 * derived from the role) is what API Gateway's authorizer checks against each route's required
 * scope.
 */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly org: string;
  readonly sid: string;
  readonly cv: number;
  readonly role: Role;
  readonly gr: string;
  /** Whether the user's email was verified when the token was issued: the `email_verified` claim, as OpenID Connect names it. */
  readonly emailVerified?: boolean;
  /**
   * The organization requires two-factor login and the user has no factor: the
   * `mfa_enrollment_required` claim, and a `scope` narrowed to what enrolling needs
   * ({@link MFA_ENROLLMENT_SCOPES}), so that API Gateway's authorizer and core refuse the rest alike.
   */
  readonly mfaEnrollmentRequired?: boolean;
}

/** A verified token's claims, with the scopes it was granted (its `scope` claim, the known ones). */
export interface VerifiedAccessToken extends AccessTokenClaims {
  readonly emailVerified: boolean;
  readonly scopes: readonly Scope[];
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

export async function issueAccessToken(claims: AccessTokenClaims): Promise<IssuedToken> {
  return sign(claims.sub, {
    org: claims.org,
    sid: claims.sid,
    cv: claims.cv,
    role: claims.role,
    gr: claims.gr,
    email_verified: claims.emailVerified === true,
    ...(claims.mfaEnrollmentRequired && { mfa_enrollment_required: true }),
    scope: scopesOfToken(claims).join(" "),
  });
}

/** The role's scopes; only those enrolling a second factor needs while the organization requires one the user lacks. */
function scopesOfToken(claims: AccessTokenClaims): Scope[] {
  const scopes = scopesOf(claims.role);
  if (!claims.mfaEnrollmentRequired) return scopes;
  return scopes.filter((scope) => (MFA_ENROLLMENT_SCOPES as readonly Scope[]).includes(scope));
}

/**
 * What a machine client's token says (clients/, the client credentials grant): which client
 * (`sub` and `client_id`, as RFC 9068 names it), for which organization (`org`, organization
 * clients only) and with which scopes. No session: the client itself is what is checked again on
 * every request.
 */
export interface ClientTokenClaims {
  readonly clientId: string;
  readonly org?: string;
  readonly scopes: readonly Scope[];
}

export function issueClientAccessToken(claims: ClientTokenClaims): Promise<IssuedToken> {
  return sign(claims.clientId, {
    client_id: claims.clientId,
    ...(claims.org !== undefined && { org: claims.org }),
    scope: claims.scopes.join(" "),
  });
}

async function sign(subject: string, payload: Record<string, unknown>): Promise<IssuedToken> {
  const { issuer, audience, ttlSeconds } = config().jwt;
  const { current } = await signingKeys();
  const accessToken = await new SignJWT(payload)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: current.kid, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(current.privateKey);
  return { accessToken, expiresIn: ttlSeconds };
}

/**
 * Verify a user's token as API Gateway's JWT authorizer does, only stricter: RS256 and nothing
 * else (no `none`, no HMAC keyed with a public key), a `kid` naming a published key, the
 * signature, issuer, audience and expiry; and the claims this service needs. Returns them, or
 * `undefined` (a client's token included). Whether the token has since been revoked is a question
 * for the database: see authenticate.ts.
 */
export async function verifyAccessToken(token: string): Promise<VerifiedAccessToken | undefined> {
  const verified = await verifyAnyAccessToken(token);
  return verified?.kind === "user" ? verified.claims : undefined;
}

/** A machine client's token, verified as a user's is; `undefined` for anything else. */
export async function verifyClientAccessToken(token: string): Promise<ClientTokenClaims | undefined> {
  const verified = await verifyAnyAccessToken(token);
  return verified?.kind === "client" ? verified.claims : undefined;
}

/**
 * A token verified once and told apart: a machine client's carries `client_id` (and `sub` equal to
 * it), a user's the session's claims; a token that verifies but is neither, or does not verify,
 * is `undefined`. What a route that takes both (the organization's data routes) asks, so that an
 * invalid token costs one verification, not one per kind.
 */
export async function verifyAnyAccessToken(
  token: string,
): Promise<{ kind: "user"; claims: VerifiedAccessToken } | { kind: "client"; claims: ClientTokenClaims } | undefined> {
  const payload = await verifiedPayload(token);
  if (!payload) return undefined;
  if ("client_id" in payload) {
    const { sub, client_id, org, scope } = payload;
    return typeof client_id === "string" &&
      sub === client_id &&
      typeof scope === "string" &&
      (org === undefined || typeof org === "string")
      ? {
          kind: "client",
          claims: { clientId: client_id, ...(org !== undefined && { org }), scopes: parseScopes(scope) },
        }
      : undefined;
  }
  const { sub, org, sid, cv, role, gr, scope, email_verified, mfa_enrollment_required } = payload;
  return typeof sub === "string" &&
    typeof org === "string" &&
    typeof sid === "string" &&
    Number.isInteger(cv) &&
    isRole(role) &&
    typeof gr === "string" &&
    typeof scope === "string"
    ? {
        kind: "user",
        claims: {
          sub,
          org,
          sid,
          cv: cv as number,
          role,
          gr,
          // Tokens from before the claim: unverified, which matters only with REQUIRE_VERIFIED_EMAIL (a refresh tells).
          emailVerified: email_verified === true,
          ...(mfa_enrollment_required === true && { mfaEnrollmentRequired: true }),
          scopes: parseScopes(scope),
        },
      }
    : undefined;
}

async function verifiedPayload(token: string): Promise<JWTPayload | undefined> {
  const { issuer, audience } = config().jwt;
  const keys = await signingKeys();
  const cacheKey = `${issuer} ${audience} ${token}`;
  const seen = verified(keys, cacheKey);
  if (seen) return seen;
  const found = await verifyAgainst(keys, issuer, audience, token);
  if (!found) return undefined;
  remember(keys, cacheKey, found);
  return found.payload;
}

/**
 * Tokens this container has verified, with their claims, until they expire: a client sends the
 * same token with every request for its lifetime (15 minutes), and an RS256 verification through
 * WebCrypto is the largest part of the service's own CPU per authenticated request on FerretDB's
 * hot paths (measured). Kept per set of keys, so a reload of the keys (a rotation) verifies afresh;
 * keyed by the exact token, issuer and audience, so nothing but a token already verified under
 * them matches; bounded, the oldest forgotten first. Whether the token has been revoked is still
 * asked of the database on every request (authenticate.ts).
 */
const VERIFIED_MAX = 1_000;
const verifiedByKeys = new WeakMap<object, Map<string, { readonly payload: JWTPayload; readonly exp: number }>>();

function verified(keys: object, key: string): JWTPayload | undefined {
  const cache = verifiedByKeys.get(keys);
  const entry = cache?.get(key);
  if (!entry) return undefined;
  // As jose checks `exp`: valid while it is later than now.
  if (entry.exp * 1000 > Date.now()) return entry.payload;
  cache!.delete(key);
  return undefined;
}

function remember(keys: object, key: string, entry: { readonly payload: JWTPayload; readonly exp: number }): void {
  const cache = verifiedByKeys.get(keys) ?? new Map();
  verifiedByKeys.set(keys, cache);
  if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, entry);
}

async function verifyAgainst(
  { publicJwks, verificationKeys }: Awaited<ReturnType<typeof signingKeys>>,
  issuer: string,
  audience: string,
  token: string,
): Promise<{ payload: JWTPayload; exp: number } | undefined> {
  try {
    const { alg, kid } = decodeProtectedHeader(token);
    if (alg !== SIGNING_ALGORITHM || typeof kid !== "string" || !publicJwks.some((key) => key.kid === kid))
      return undefined;
    const { payload } = await jwtVerify(token, verificationKeys, {
      algorithms: [SIGNING_ALGORITHM],
      issuer,
      audience,
      requiredClaims: ["sub", "scope", "exp", "iat"],
    });
    return typeof payload.exp === "number" ? { payload, exp: payload.exp } : undefined;
  } catch {
    return undefined;
  }
}
