import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { config } from "../config";
import { ConfigurationError } from "../errors";
import { once } from "../once";

/**
 * The service is its own token issuer. It signs with one RSA key (RS256: API Gateway's JWT
 * authorizer accepts RSA only) and publishes the public half of it, plus the previous key during
 * a rotation, because API Gateway caches a JWKS for up to two hours.
 */
export const SIGNING_ALGORITHM = "RS256";

export interface SigningKeys {
  readonly current: { readonly kid: string; readonly privateKey: CryptoKey };
  /** Public JWKs of every key a valid token may carry: the current one first. */
  readonly publicJwks: readonly JWK[];
  /**
   * Those keys as jose verifies with them. Made once with the keys: jose imports a JWK the first
   * time a set uses it and keeps it in that set, so a set made per token would import an RSA key
   * on every request.
   */
  readonly verificationKeys: JWTVerifyGetKey;
}

const keys = once(loadSigningKeys);

export function signingKeys(): Promise<SigningKeys> {
  return keys.get();
}

/** Forget the loaded keys (tests that change the key configuration). */
export function resetSigningKeys(): void {
  keys.reset();
}

async function loadSigningKeys(): Promise<SigningKeys> {
  const { privateKey, previousKey, mayGenerateKey } = config().jwt;
  let current: JWK;
  if (privateKey) {
    current = await parseKey(privateKey, "JWT_PRIVATE_KEY");
    if (!current.d) throw new ConfigurationError("JWT_PRIVATE_KEY must be a private key");
  } else if (mayGenerateKey) {
    // Local runs only: tokens die with the process, which is what a developer expects.
    const pair = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true, modulusLength: 2048 });
    current = await withKid(await exportJWK(pair.privateKey));
  } else {
    throw new ConfigurationError("JWT_PRIVATE_KEY is not set");
  }
  const previous = previousKey ? await parseKey(previousKey, "JWT_PREVIOUS_KEY") : undefined;
  const publicJwks = [current, ...(previous && previous.kid !== current.kid ? [previous] : [])].map(publicPart);
  return {
    current: { kid: current.kid!, privateKey: (await importJWK(current, SIGNING_ALGORITHM)) as CryptoKey },
    publicJwks,
    verificationKeys: createLocalJWKSet({ keys: [...publicJwks] }),
  };
}

/** Accepts a JWK (JSON) or a PEM: PKCS#8 private or SPKI public. */
async function parseKey(text: string, variable: string): Promise<JWK & { kid: string }> {
  const trimmed = text.trim();
  let jwk: JWK;
  try {
    if (trimmed.startsWith("{")) {
      jwk = JSON.parse(trimmed) as JWK;
    } else if (trimmed.includes("PRIVATE KEY")) {
      jwk = await exportJWK(await importPKCS8(trimmed, SIGNING_ALGORITHM, { extractable: true }));
    } else {
      jwk = await exportJWK(await importSPKI(trimmed, SIGNING_ALGORITHM, { extractable: true }));
    }
  } catch {
    throw new ConfigurationError(`${variable} is neither an RSA JWK nor a PEM key`);
  }
  if (jwk.kty !== "RSA") throw new ConfigurationError(`${variable} must be an RSA key`);
  return withKid(jwk);
}

/** The RFC 7638 thumbprint makes a stable `kid` when the key does not name itself. */
async function withKid(jwk: JWK): Promise<JWK & { kid: string }> {
  return { ...jwk, kid: jwk.kid ?? (await calculateJwkThumbprint(jwk)) };
}

function publicPart(jwk: JWK): JWK {
  const { kty, n, e, kid } = jwk;
  return { kty, n, e, kid, alg: SIGNING_ALGORITHM, use: "sig" };
}
