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

/**
 * Compare a password with a stored hash, or, when there is none, spend the same time and fail.
 *
 * A hash made at a lower cost than the configured one (before `BCRYPT_COST` was raised) compares
 * faster than the unknown account's comparison at the configured cost, which would tell whether an
 * account exists. So its comparison is followed by one against no hash at each cost from its own up
 * to the configured one less one: 2^c + (2^c + 2^(c+1) + … + 2^(n−1)) = 2^n rounds, the unknown
 * account's (the way Django's `harden_runtime` bridges a raised work factor). Such a hash keeps its
 * cost until its password changes. A hash made at a higher cost (`BCRYPT_COST` lowered) stays
 * slower than an unknown account: lowering it is not advised (docs/configuration.md).
 */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const cost = config().bcryptCost;
  if (hash === undefined) {
    await bcrypt.compare(password, unmatchableHash(cost));
    return false;
  }
  const matched = await bcrypt.compare(password, hash);
  for (let lower = costOf(hash); lower < cost; lower++) await bcrypt.compare(password, unmatchableHash(lower));
  return matched;
}

/** A bcrypt hash's cost; the configured one for a hash bcrypt cannot read (then the comparison failed). */
function costOf(hash: string): number {
  try {
    return bcrypt.getRounds(hash);
  } catch {
    return config().bcryptCost;
  }
}
