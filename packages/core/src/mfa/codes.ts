import { randomInt } from "node:crypto";
import { hashRandomSecret } from "../random-secret";
import type { ObjectId } from "mongodb";
// The maintained RFC 6238/4226 implementation (HMAC through node:crypto in its Node build), not hand-written crypto.
import { Secret, TOTP } from "otpauth";
import * as z from "zod/mini";
import type { Database } from "../db/client";
import type { MfaFactorDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";

/** A code as typed from an authenticator app: its checks (throttled, constant cost) decide whether it is right. */
export const totpCodeSchema = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(32, "is not a code"));
/** A recovery code as typed, dashes and all. */
export const recoveryCodeSchema = z
  .string()
  .check(z.minLength(1, "must not be empty"), z.maxLength(64, "is not a recovery code"));

/**
 * TOTP as every authenticator app reads it (RFC 6238 defaults): HMAC-SHA-1, 6 digits, a 30-second
 * step. A code is accepted one step early or late (clock drift), and once: its use is recorded
 * under `totp:<user>:<step>`, a unique key, so a replay within the step — or a second request
 * racing the first — is refused.
 */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_WINDOW = 1;
/** 160 bits, RFC 4226's recommended secret length. */
const SECRET_BYTES = 20;
export const ISSUER = "org-service";

export const RECOVERY_CODE_COUNT = 10;
/** Crockford-like: no 0/O or 1/I/L to misread. 10 characters of 32 = 50 bits per code. */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LENGTH = 10;

export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

function totpOf(secret: string, label = ""): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The `otpauth://totp/…` URI an authenticator app imports (what the QR code holds). */
export function otpauthUrl(secret: string, email: string): string {
  return totpOf(secret, email).toString();
}

/** The current code of a secret (tests, and nothing else, generate codes). */
export function totpCode(secret: string, at: Date = new Date()): string {
  return totpOf(secret).generate({ timestamp: at.getTime() });
}

/**
 * Whether `code` is a code of `secret` at `now` that was not used before, recording its use. A
 * well-formed code of a step already used is refused like a wrong one.
 */
export async function useTotpCode(
  db: Database,
  userId: ObjectId,
  secret: string,
  code: string,
  now: Date,
): Promise<boolean> {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return false;
  const delta = totpOf(secret).validate({ token, timestamp: now.getTime(), window: TOTP_WINDOW });
  if (delta === null) return false;
  const step = Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta;
  // Kept past the window in which the step's code is still accepted.
  const forgetAt = new Date((step + TOTP_WINDOW + 2) * TOTP_PERIOD_SECONDS * 1000);
  return useOnce(db, userId, `totp:${userId.toHexString()}:${step}`, "totp", now, forgetAt);
}

/** Ten recovery codes to show once, and the hashes to keep. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const characters = Array.from(
      { length: RECOVERY_LENGTH },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join("");
    return `${characters.slice(0, 5)}-${characters.slice(5)}`;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** Case, spaces and dashes do not matter. A random code of 50 bits needs no salt: SHA-256 of it. */
export function hashRecoveryCode(code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]+/g, "");
  return hashRandomSecret(normalized);
}

/** Whether `code` is one of the factor's recovery codes, unused until now: recording its use. */
export async function useRecoveryCode(
  db: Database,
  factor: Pick<MfaFactorDocument, "_id" | "recovery_code_hashes">,
  code: string,
  now: Date,
): Promise<boolean> {
  const hash = hashRecoveryCode(code);
  if (!factor.recovery_code_hashes.includes(hash)) return false;
  return useOnce(db, factor._id, `recovery:${factor._id.toHexString()}:${hash}`, "recovery", now);
}

/** Record a single use under `key`; false when it was used already (the unique `_id` refuses the second). */
export async function useOnce(
  db: Database,
  userId: ObjectId | undefined,
  key: string,
  kind: "totp" | "recovery" | "challenge" | "sso-login" | "sso-handoff",
  now: Date,
  expiresAt?: Date,
): Promise<boolean> {
  try {
    await db.usedOnce.insertOne({
      _id: key,
      ...(userId && { user_id: userId }),
      kind,
      used_at: now,
      ...(expiresAt && { expires_at: expiresAt }),
    });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
