import { randomUUID } from "node:crypto";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { config } from "../config";
import { SIGNING_ALGORITHM, signingKeys } from "./keys";

/** What a valid access token says: who (`sub`, the admin) acts for which organization (`org`). */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly org: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

export async function issueAccessToken(claims: AccessTokenClaims): Promise<IssuedToken> {
  const { issuer, audience, ttlSeconds } = config().jwt;
  const { current } = await signingKeys();
  const accessToken = await new SignJWT({ org: claims.org })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: current.kid, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(current.privateKey);
  return { accessToken, expiresIn: ttlSeconds };
}

/**
 * Verify a token the way API Gateway's JWT authorizer does (RS256 only, a published `kid`, issuer,
 * audience, expiry) and return its claims, or `undefined` when it is not valid. Used on public
 * routes, where no authorizer runs but a valid token unlocks more of the answer.
 */
export async function verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined> {
  const { issuer, audience } = config().jwt;
  const { publicJwks } = await signingKeys();
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [...publicJwks] }), {
      algorithms: [SIGNING_ALGORITHM],
      issuer,
      audience,
    });
    const { sub, org } = payload;
    return typeof sub === "string" && typeof org === "string" ? { sub, org } : undefined;
  } catch {
    return undefined;
  }
}
