import { ObjectId } from "mongodb";
import { config } from "../config";
import type { Database } from "../db/client";
import { TooManyAttemptsError } from "../errors";

/**
 * Brute-force protection for logins: failures are counted per email and per source address over a
 * sliding window; at the limit every login for that email or from that address is refused with
 * 429 — the right password included — until enough failures have aged out of the window.
 */
const keysFor = (email: string, sourceIp: string | undefined) => [
  `email:${email}`,
  ...(sourceIp ? [`ip:${sourceIp}`] : []),
];

/** Throws when the email or the address is over its limit; otherwise returns how many failures the email has in the window. */
export async function assertLoginAllowed(
  db: Database,
  email: string,
  sourceIp: string | undefined,
  now = new Date(),
): Promise<number> {
  const { windowSeconds, maxPerEmail, maxPerIp } = config().loginThrottle;
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const counted = await Promise.all(
    keysFor(email, sourceIp).map(async (key) => {
      const limit = key.startsWith("email:") ? maxPerEmail : maxPerIp;
      // The newest `limit` failures in the window: if there are that many, the oldest of them decides when one ages out.
      const recent = await db.loginFailures
        .find({ key, at: { $gt: since } }, { projection: { at: 1 } })
        .sort({ at: -1 })
        .limit(limit)
        .toArray();
      const wait =
        recent.length < limit
          ? 0
          : Math.ceil((recent[limit - 1]!.at.getTime() + windowSeconds * 1000 - now.getTime()) / 1000);
      return { failures: recent.length, wait };
    }),
  );
  const wait = Math.max(...counted.map((count) => count.wait));
  if (wait > 0) throw new TooManyAttemptsError(wait);
  return counted[0]!.failures;
}

export async function recordLoginFailure(
  db: Database,
  email: string,
  sourceIp: string | undefined,
  now = new Date(),
): Promise<void> {
  const expires = new Date(now.getTime() + config().loginThrottle.windowSeconds * 1000);
  await db.loginFailures.insertMany(
    keysFor(email, sourceIp).map((key) => ({ _id: new ObjectId(), key, at: now, expires_at: expires })),
  );
}

/** A successful login forgives the email's failures (not the address's: one address may try many emails). */
export async function forgiveLoginFailures(db: Database, email: string): Promise<void> {
  await db.loginFailures.deleteMany({ key: `email:${email}` });
}

/** The clean-up the TTL index does where there is one. */
export async function deleteExpiredLoginFailures(db: Database, now = new Date()): Promise<number> {
  return (await db.loginFailures.deleteMany({ expires_at: { $lt: now } })).deletedCount;
}
