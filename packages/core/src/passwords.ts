import bcrypt from "bcryptjs";
import { config } from "./config";

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, config().bcryptCost);
}

/**
 * A well-formed hash that matches no password. Checking a password against it costs exactly one
 * bcrypt comparison at the configured cost (bcrypt reads the cost from the hash), so a login for
 * an unknown email takes as long as one with a wrong password. Built from a constant instead of
 * hashed at start-up, which would add a full bcrypt round to every cold start.
 */
const UNMATCHABLE_SALT_AND_HASH = "gfcta1xvvvnKmALiMw6PMOcKjRsWPIz4/MBo8Ev6lI2mG/OhKtE2K";

function unmatchableHash(cost: number): string {
  return `$2b$${String(cost).padStart(2, "0")}$${UNMATCHABLE_SALT_AND_HASH}`;
}

/** Compare a password with a stored hash, or, when there is none, spend the same time and fail. */
export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash === undefined) {
    return bcrypt.compare(password, unmatchableHash(config().bcryptCost)).then(() => false);
  }
  return bcrypt.compare(password, hash);
}
