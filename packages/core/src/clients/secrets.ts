import { timingSafeEqual } from "node:crypto";
import { hashRandomSecret, newRandomSecret } from "../random-secret";
import type { Database } from "../db/client";
import type { ClientSecretDocument } from "../db/documents";

/**
 * A client secret: 256 random bits, shown once, stored only as its SHA-256 — a hash without a
 * salt or a work factor is enough for a random secret of that size (nothing to guess from it), and
 * keeps the token endpoint fast. `cs_` tells it apart in a configuration file or a leak scanner.
 */
export function newClientSecret(): { secret: string; hash: string; prefix: string } {
  const { secret, hash } = newRandomSecret("cs_");
  return { secret, hash, prefix: secret.slice(0, 9) };
}

const hashOf = hashRandomSecret;

/** Compared against no secret at all when the client is unknown: the same work either way. */
const NO_SECRET = newRandomSecret().hash;

/**
 * Whether `secret` is one of the client's current secrets, at the same cost whether the client
 * exists or not and whichever slot matches (both are compared, in constant time). Returns the
 * matching secret's document.
 */
export function matchSecret(
  secrets: readonly ClientSecretDocument[],
  secret: string,
): ClientSecretDocument | undefined {
  const presented = Buffer.from(hashOf(secret));
  let matched: ClientSecretDocument | undefined;
  for (const candidate of secrets.length > 0 ? secrets : [undefined]) {
    const stored = Buffer.from(candidate?.hash ?? NO_SECRET);
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (equal && candidate) matched = candidate;
  }
  return matched;
}

/** The two slots a client's secrets live in (`<client_id>:0`, `<client_id>:1`). */
export const SECRET_SLOTS = [0, 1] as const;

export const secretSlotId = (clientId: string, slot: number): string => `${clientId}:${slot}`;

export async function secretsOf(db: Database, clientId: string): Promise<ClientSecretDocument[]> {
  return db.clientSecrets.find({ client_id: clientId }).toArray();
}
