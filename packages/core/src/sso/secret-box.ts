import { createHash, randomBytes } from "node:crypto";
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from "jose";
import { config } from "../config";
import { ConfigurationError } from "../errors";

/**
 * Sealing the secrets the service must use again later in clear (a single sign-on connection's
 * client secret), as a compact JWE with the stage's SSO key: `dir` + A256GCM, authenticated, with
 * the key's id in the header so a secret sealed under another key is told apart from a forged one.
 * jose does the cryptography; nothing here is hand-made but the choice of key.
 */

let processKey: Uint8Array | undefined;

function sealingKey(): { key: Uint8Array; kid: string } {
  const { sso, jwt } = config();
  let key: Uint8Array;
  if (sso.encryptionKey) key = Buffer.from(sso.encryptionKey, "base64url");
  else if (jwt.mayGenerateKey) key = processKey ??= randomBytes(32);
  else
    throw new ConfigurationError("SSO_ENCRYPTION_KEY is not set: single sign-on connections cannot be saved or used");
  // A key id that names the key without revealing it: the first bytes of its hash.
  const kid = createHash("sha256").update(key).digest("base64url").slice(0, 12);
  return { key, kid };
}

export async function sealSecret(secret: string): Promise<string> {
  const { key, kid } = sealingKey();
  return new CompactEncrypt(new TextEncoder().encode(secret))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
    .encrypt(key);
}

/** The secret sealed by {@link sealSecret}; throws when it was sealed under another key, or altered. */
export async function openSecret(sealed: string): Promise<string> {
  const { key, kid } = sealingKey();
  if (decodeProtectedHeader(sealed).kid !== kid) {
    throw new ConfigurationError("a secret was sealed under another SSO_ENCRYPTION_KEY: save the connection again");
  }
  const { plaintext } = await compactDecrypt(sealed, key, {
    keyManagementAlgorithms: ["dir"],
    contentEncryptionAlgorithms: ["A256GCM"],
  });
  return new TextDecoder().decode(plaintext);
}
