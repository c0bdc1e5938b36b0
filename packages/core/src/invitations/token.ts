import { createHash, randomBytes } from "node:crypto";

/**
 * An invitation's token: 256 random bits, shown once to the inviter (and in the mail), stored
 * only as its SHA-256. A hash without a salt is enough for a random secret of that size: there is
 * nothing to guess from it.
 */
export function newInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}
