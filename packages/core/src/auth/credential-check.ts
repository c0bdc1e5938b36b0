import type { Database } from "../db/client";
import { verifyPassword } from "../passwords";
import { hasControlCharacter } from "../validation";
import { assertWithinLimits, reserveAttempt } from "./login-throttle";

/**
 * The one gate for everything a caller proves with something they know: a password, a TOTP code,
 * a recovery code. Every such check in the service goes through {@link checkSecret} (passwords
 * through {@link checkPassword}, which it wraps), so none can be used to guess without limit:
 *
 * - past the failure limit for the account's email or for the source address, the check is
 *   refused with 429 and Retry-After before anything is compared, the right secret included;
 * - an attempt is counted before it is compared (login-throttle.ts), so a burst of attempts at
 *   once gets no more comparisons than the limit;
 * - a wrong answer counts against both, whichever door it came through (a login, an invitation's
 *   accept, turning two-factor login off, the code step of a login), in one window;
 * - a password is compared at the same cost whether the account exists or not.
 *
 * `test/credential-checks.test.ts` fails if another module compares a password or throttles by
 * itself.
 */
export interface CredentialAttempt {
  /**
   * The account the secret is for: its failures are counted under this email. `undefined` for a
   * secret nobody can guess (a machine client's 256 random bits): then only the source address is
   * limited, so that whoever knows an account's name cannot lock it out by failing on purpose.
   */
  readonly email: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly now?: Date | undefined;
}

export interface CredentialCheck {
  readonly ok: boolean;
  /** The email had failures in the window before this check: a completed login forgives them (login-throttle.ts). */
  readonly hadFailures: boolean;
}

/**
 * Count the attempt, refuse it past the limits, then `verify`: a `false` stays counted as a
 * failure, a `true` is taken back. `verify` runs only when the limits allow, so past them nothing
 * (no code, no single-use mark) is consumed. An error in `verify` leaves the attempt counted.
 */
export async function checkSecret(
  db: Database,
  attempt: CredentialAttempt,
  verify: () => Promise<boolean>,
): Promise<CredentialCheck> {
  const reserved = await reserveAttempt(db, attempt.email, attempt.sourceIp, attempt.now ?? new Date());
  const ok = await verify();
  if (ok) await reserved.succeeded();
  return { ok, hadFailures: reserved.hadFailures };
}

/**
 * For a door that compares nothing but must not answer differently from one that does once the
 * limits are reached (accepting an invitation for an address without an account): 429 past them,
 * and nothing counted.
 */
export function checkLimits(db: Database, attempt: CredentialAttempt): Promise<void> {
  return assertWithinLimits(db, attempt.email, attempt.sourceIp, attempt.now ?? new Date());
}

/**
 * A request that mails a link to an address if it has an account (a password reset, a new
 * verification link): counted per email and per source address like a failed check, in a count of
 * its own, whether the address has an account or not — so that past the limits the answer is the
 * same 429 for both, and a mailbox cannot be flooded. Never taken back.
 */
export async function countMailRequest(db: Database, attempt: CredentialAttempt): Promise<void> {
  await reserveAttempt(db, attempt.email, attempt.sourceIp, attempt.now ?? new Date(), "mail:");
}

/** bcrypt would compare only the first 72 bytes; no stored password is longer, so such a one is wrong. */
const BCRYPT_MAX_BYTES = 72;

/**
 * A password no rule allows today can only be wrong. Compared as such (against no hash, at the same
 * cost), it never reaches bcrypt's comparison, where "\u0000" would match an account whose password
 * was eight NULs, set before they were refused.
 */
const mayMatch = (password: string): boolean =>
  Buffer.byteLength(password, "utf8") <= BCRYPT_MAX_BYTES && !hasControlCharacter(password);

/**
 * A password against an account's stored hash — `undefined` when there is no such account, which
 * costs one bcrypt comparison all the same and fails. The hash may still be on its way (a lookup
 * started by the caller): the attempt is counted meanwhile. `alsoRequired`, asked only when the
 * password matched, is whatever else must hold for the attempt to count as a success (a login: an
 * organization to log into).
 */
export function checkPassword(
  db: Database,
  attempt: CredentialAttempt & { readonly password: string },
  storedHash: string | undefined | PromiseLike<string | undefined>,
  alsoRequired: () => Promise<boolean> = async () => true,
): Promise<CredentialCheck> {
  const hash = Promise.resolve(storedHash);
  hash.catch(() => undefined); // awaited by verify; never an unhandled rejection when the throttle refuses first
  const { password } = attempt;
  return checkSecret(
    db,
    attempt,
    async () => (await verifyPassword(password, mayMatch(password) ? await hash : undefined)) && alsoRequired(),
  );
}
