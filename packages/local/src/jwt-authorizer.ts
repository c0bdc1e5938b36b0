import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/**
 * What API Gateway's native JWT authorizer does, for the local server: find the JWKS through the
 * issuer's OpenID discovery document, then accept a bearer token only if its RSA signature
 * verifies under a published `kid` and `iss`, `aud` and `exp` are right.
 */
export interface JwtAuthorizerSettings {
  readonly issuer: string;
  readonly audience: string;
}

/**
 * API Gateway's JWT authorizers accept RSA signatures only and need a `kid`; this service signs
 * RS256 alone, so nothing else is accepted here.
 */
const ALGORITHMS = ["RS256"];

export type JwtAuthorizer = (authorizationHeader: string | undefined) => Promise<JWTPayload | undefined>;

export function jwtAuthorizer({ issuer, audience }: JwtAuthorizerSettings): JwtAuthorizer {
  let keySet: Promise<JWTVerifyGetKey> | undefined;

  return async (authorizationHeader) => {
    const token = authorizationHeader?.match(/^(?:Bearer\s+)?(\S+)\s*$/i)?.[1];
    if (!token) return undefined;
    keySet ??= discoverKeySet(issuer).catch((error: unknown) => {
      keySet = undefined;
      throw error;
    });
    try {
      if (typeof decodeProtectedHeader(token).kid !== "string") return undefined;
      const { payload } = await jwtVerify(token, await keySet, { issuer, audience, algorithms: ALGORITHMS });
      return payload;
    } catch {
      return undefined;
    }
  };
}

async function discoverKeySet(issuer: string): Promise<JWTVerifyGetKey> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OpenID discovery failed with status ${response.status}`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
  if (typeof jwksUri !== "string") throw new Error("The discovery document has no jwks_uri");
  // jose caches the keys and refetches when it meets an unknown `kid`, as API Gateway does.
  return createRemoteJWKSet(new URL(jwksUri));
}
