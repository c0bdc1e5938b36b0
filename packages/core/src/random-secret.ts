import { createHash, randomBytes } from "node:crypto";

/**
 * The one way the service makes a secret it hands out and keeps only the hash of (invitation and
 * refresh tokens, two-factor challenges, mailed links, client secrets): 256 random bits,
 * base64url, stored as its SHA-256 — a hash without a salt or a work factor is enough for a random
 * secret of that size, as there is nothing to guess from it (passwords, which people choose, go
 * through bcrypt instead: passwords.ts).
 */
export function newRandomSecret(prefix = ""): { readonly secret: string; readonly hash: string } {
  const secret = `${prefix}${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashRandomSecret(secret) };
}

/** The stored form of a secret {@link newRandomSecret} made, to look it up by. */
export function hashRandomSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}
