import { ObjectId } from "mongodb";
import { config } from "../config";
import type { Database } from "../db/client";
import type { LoginFailureDocument } from "../db/documents";
import { TooManyAttemptsError } from "../errors";

/**
 * Brute-force protection for every check of a secret (auth/credential-check.ts): failures are
 * counted per email and per source address over a sliding window; at the limit every attempt for
 * that email or from that address is refused with 429 — the right secret included — until enough
 * failures have aged out of the window.
 *
 * An attempt is counted before its secret is compared, not after: it is recorded as a failure
 * first ({@link reserveAttempt}), then the failures in the window are counted with it, and only
 * an attempt that finds itself within the limit is compared; a right answer takes its record back.
 * Attempts that start at once therefore all see one another, so no burst of concurrent guesses
 * gets more comparisons than the limit allows (counting after the comparison let every request of
 * a burst through). Inserts only, never an update: they are exact on MongoDB and FerretDB alike.
 */
const keysFor = (email: string | undefined, sourceIp: string | undefined, counter: Counter) => [
  ...(email !== undefined ? [`${counter}email:${email}`] : []),
  ...(sourceIp ? [`${counter}ip:${sourceIp}`] : []),
];

/**
 * What is counted: failed checks of a secret (no prefix, as ever), or requests that mail a link
 * (`mail:`), limited alike per email and per address but in a count of their own, so that asking
 * for links never locks anyone out of logging in, nor the other way round.
 */
export type Counter = "" | "mail:";

/** An attempt, counted as a failure until it is known to be right. */
export interface Attempt {
  /** The email had failures in the window before this attempt (a completed login forgives them). */
  readonly hadFailures: boolean;
  /** The secret was right: the attempt is no failure after all. */
  succeeded(): Promise<void>;
}

/**
 * Record an attempt for `email` from `sourceIp`, then refuse it (429, its record taken back) if it
 * makes more failures in the window than the email's or the address's limit allows.
 */
export async function reserveAttempt(
  db: Database,
  email: string | undefined,
  sourceIp: string | undefined,
  now = new Date(),
  counter: Counter = "",
): Promise<Attempt> {
  const expires = new Date(now.getTime() + config().loginThrottle.windowSeconds * 1000);
  const records: LoginFailureDocument[] = keysFor(email, sourceIp, counter).map((key) => ({
    _id: new ObjectId(),
    key,
    at: now,
    expires_at: expires,
  }));
  // Neither an account nor an address to count against (a machine client called with no source): nothing to limit.
  if (records.length === 0) return { hadFailures: false, succeeded: async () => undefined };
  await db.loginFailures.insertMany(records);
  // One delete by _id each: an equality, which FerretDB serves from an index (`$in` it would scan).
  const takeBack = () =>
    Promise.all(records.map(({ _id }) => db.loginFailures.deleteOne({ _id }))).then(() => undefined);

  const emailRecord = email === undefined ? undefined : records[0];
  let wait: number;
  let hadFailures: boolean;
  try {
    [wait, hadFailures] = await Promise.all([
      secondsUntilAllowed(db, email, sourceIp, now, 1, counter),
      emailRecord
        ? inWindow(db, emailRecord.key, now)
            .limit(2)
            .toArray()
            .then((found) => found.some(({ _id }) => !_id.equals(emailRecord._id)))
        : false,
    ]);
  } catch (error) {
    await takeBack().catch(() => undefined);
    throw error;
  }
  if (wait > 0) {
    // A refused attempt compared nothing: it is no failure, and must not lengthen the lockout.
    await takeBack();
    throw new TooManyAttemptsError(wait, counter === "mail:" ? { what: "requests for mailed links" } : {});
  }
  return { hadFailures, succeeded: takeBack };
}

/**
 * Refuse (429) when the email or the address is at its limit, counting nothing: for a door that
 * compares no secret but must answer as one that does when the limits are reached.
 */
export async function assertWithinLimits(
  db: Database,
  email: string | undefined,
  sourceIp: string | undefined,
  now = new Date(),
): Promise<void> {
  const wait = await secondsUntilAllowed(db, email, sourceIp, now, 0, "");
  if (wait > 0) throw new TooManyAttemptsError(wait);
}

const inWindow = (db: Database, key: string, now: Date) =>
  db.loginFailures.find(
    { key, at: { $gt: new Date(now.getTime() - config().loginThrottle.windowSeconds * 1000) } },
    { projection: { at: 1 } },
  );

/**
 * How long until one more attempt is allowed for the email and from the address, given `counted`
 * attempts of this one's already recorded: 0 if it is. Only the record that puts a key past its
 * limit matters, until it ages out; reading that one alone keeps the cost the same whatever the
 * limit (up to 10,000 per address) and however many failures there are.
 */
async function secondsUntilAllowed(
  db: Database,
  email: string | undefined,
  sourceIp: string | undefined,
  now: Date,
  counted: 0 | 1,
  counter: Counter,
): Promise<number> {
  const { windowSeconds, maxPerEmail, maxPerIp } = config().loginThrottle;
  const waits = await Promise.all(
    keysFor(email, sourceIp, counter).map(async (key) => {
      const limit = key.startsWith(`${counter}email:`) ? maxPerEmail : maxPerIp;
      const [beyond] = await inWindow(db, key, now)
        .sort({ at: -1 })
        .skip(limit - 1 + counted)
        .limit(1)
        .toArray();
      return beyond ? Math.max(1, Math.ceil((beyond.at.getTime() + windowSeconds * 1000 - now.getTime()) / 1000)) : 0;
    }),
  );
  return Math.max(...waits);
}

/** A successful login forgives the email's failures (not the address's: one address may try many emails). */
export async function forgiveLoginFailures(db: Database, email: string): Promise<void> {
  await db.loginFailures.deleteMany({ key: `email:${email}` });
}

/** The clean-up the TTL index does where there is one. */
export async function deleteExpiredLoginFailures(db: Database, now = new Date()): Promise<number> {
  return (await db.loginFailures.deleteMany({ expires_at: { $lt: now } })).deletedCount;
}
