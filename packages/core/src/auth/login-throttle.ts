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

/** Throws when the email or the address is over its limit; otherwise tells whether the email has failures in the window. */
export async function assertLoginAllowed(
  db: Database,
  email: string,
  sourceIp: string | undefined,
  now = new Date(),
): Promise<boolean> {
  const { windowSeconds, maxPerEmail, maxPerIp } = config().loginThrottle;
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const inWindow = (key: string) => db.loginFailures.find({ key, at: { $gt: since } }, { projection: { at: 1 } });
  const emailKey = `email:${email}`;
  const [waits, emailFailure] = await Promise.all([
    Promise.all(
      keysFor(email, sourceIp).map(async (key) => {
        const limit = key === emailKey ? maxPerEmail : maxPerIp;
        // Only the limit-th newest failure in the window matters: if there is one, the key is at its
        // limit, until that failure ages out. Reading that one alone keeps a login's cost the same
        // whatever the limit (up to 10,000 per address) and however many failures there are.
        const [limitth] = await inWindow(key)
          .sort({ at: -1 })
          .skip(limit - 1)
          .limit(1)
          .toArray();
        return limitth ? Math.ceil((limitth.at.getTime() + windowSeconds * 1000 - now.getTime()) / 1000) : 0;
      }),
    ),
    inWindow(emailKey).limit(1).next(),
  ]);
  const wait = Math.max(...waits);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  return emailFailure !== null;
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
