// qrcode: the maintained QR encoder (SVG output, no canvas or native module needed).
import type { ObjectId } from "mongodb";
import QRCode from "qrcode";
import * as z from "zod/mini";
import { checkPassword, checkSecret } from "../auth/credential-check";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, InvalidGrantError, NotFoundError, UnauthenticatedError, ValidationError } from "../errors";
import { eventActorOf } from "../events/actor";
import { beginChange, type ProofDraft } from "../events/change";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";
import { parseInput } from "../validation";
import { newRecoveryCodes, newTotpSecret, otpauthUrl, totpCodeSchema, useTotpCode } from "./codes";

/** How long an enrollment waits for its first code. */
const ENROLLMENT_TTL_MS = 15 * 60_000;

export interface TotpEnrollment {
  /** Base32, for typing into an app by hand. */
  readonly secret: string;
  readonly otpauthUrl: string;
  /** The URL as a QR code, an SVG document. */
  readonly qrSvg: string;
}

const alreadyEnabled = () =>
  new ConflictError("Two-factor login is enabled already: disable it first to enroll again.", "mfa", {
    issue: "is enabled already",
  });

/**
 * The caller's user id, once their token may change their own login (`profile:write`). Enrolling is
 * what a token restricted by the organization's two-factor policy is for; disabling is not.
 */
function userIdOf(actor: AuthenticatedActor, options: { readonly enrolling?: boolean } = {}) {
  requireScope(
    actor,
    "profile:write",
    "change their two-factor login",
    options.enrolling ? { whileEnrollingMfa: "allowed" } : {},
  );
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  return userId;
}

/**
 * `POST /me/mfa/totp`: a new TOTP secret for the caller, pending until a code from it is verified
 * (a new enrollment replaces a pending one). Refused while a factor is enabled.
 */
export async function enrollTotp(actor: AuthenticatedActor, context: RequestContext = {}): Promise<TotpEnrollment> {
  const userId = userIdOf(actor, { enrolling: true });
  const now = nowOf(context);
  const db = await database();
  if (await db.mfaFactors.findOne({ _id: userId }, { projection: { _id: 1 } })) throw alreadyEnabled();
  const secret = newTotpSecret();
  await db.mfaEnrollments.replaceOne(
    { _id: userId },
    { secret, created_at: now, expires_at: new Date(now.getTime() + ENROLLMENT_TTL_MS) },
    { upsert: true },
  );
  const url = otpauthUrl(secret, actor.email);
  const qrSvg = await QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { secret, otpauthUrl: url, qrSvg };
}

/**
 * `POST /me/mfa/totp/verify`: a code from the pending secret enables the factor, which answers
 * ten recovery codes, once (only their hashes are kept). Enabling inserts the factor under the
 * user's id: one factor per user, whatever runs at once. Wrong codes count against the login
 * limits, like wrong passwords.
 */
export async function verifyTotpEnrollment(
  actor: AuthenticatedActor,
  input: { code: string },
  context: RequestContext = {},
): Promise<{ recoveryCodes: string[] }> {
  const code = parseInput(totpCodeSchema, input.code);
  const userId = userIdOf(actor, { enrolling: true });
  const now = nowOf(context);
  const db = await database();
  const enrollment = await db.mfaEnrollments.findOne({ _id: userId, expires_at: { $gt: now } });
  if (!enrollment) {
    if (await db.mfaFactors.findOne({ _id: userId }, { projection: { _id: 1 } })) throw alreadyEnabled();
    throw new NotFoundError("No two-factor enrollment is pending: start one with POST /me/mfa/totp.");
  }
  const attempt = { email: actor.email, sourceIp: context.sourceIp, now };
  if (!(await checkSecret(db, attempt, () => useTotpCode(db, userId, enrollment.secret, code, now))).ok) {
    throw new InvalidGrantError("The code is wrong, expired or used already.");
  }
  const { codes, hashes } = newRecoveryCodes();
  const change = await beginMfaChange(
    db,
    actor,
    userId,
    "user.mfa_enabled",
    { kind: "marked", collection: "mfaFactors", id: userId },
    now,
  );
  try {
    await db.mfaFactors.insertOne({
      _id: userId,
      secret: enrollment.secret,
      recovery_code_hashes: hashes,
      enabled_at: now,
      ...change.marks("user.mfa_enabled"),
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw alreadyEnabled();
    throw error;
  }
  await change.commit(db);
  await db.mfaEnrollments.deleteOne({ _id: userId });
  await recordAudit(
    db,
    { action: "mfa.enabled", organizationId: toObjectId(actor.organizationId), userId, email: actor.email },
    context,
  );
  return { recoveryCodes: codes };
}

export const disableTotpInputSchema = z
  .object({ code: z.optional(totpCodeSchema), password: z.optional(z.string().check(z.maxLength(1024))) })
  .check(
    z.refine(
      (input) => (input.code === undefined) !== (input.password === undefined),
      "give either a current code or the password",
    ),
  );
export type DisableTotpInput = z.input<typeof disableTotpInputSchema>;

/**
 * `DELETE /me/mfa/totp`: off, proven with a current code or the password (wrong ones count
 * against the login limits). The factor and its recovery codes go.
 */
export async function disableTotp(
  actor: AuthenticatedActor,
  input: DisableTotpInput,
  context: RequestContext = {},
): Promise<void> {
  const parsed = z.safeParse(disableTotpInputSchema, input);
  if (!parsed.success) throw new ValidationError([{ path: "", message: "give either a current code or the password" }]);
  const { code, password } = parsed.data;
  const userId = userIdOf(actor);
  const now = nowOf(context);
  const db = await database();
  const factor = await db.mfaFactors.findOne({ _id: userId });
  if (!factor) throw new NotFoundError("Two-factor login is not enabled.");
  const attempt = { email: actor.email, sourceIp: context.sourceIp, now };
  const { ok: proven } =
    code !== undefined
      ? await checkSecret(db, attempt, () => useTotpCode(db, userId, factor.secret, code, now))
      : await checkPassword(
          db,
          { ...attempt, password: password! },
          db.users.findOne({ _id: userId }, { projection: { password_hash: 1 } }).then((user) => user?.password_hash),
        );
  if (!proven) {
    throw new InvalidGrantError(
      code !== undefined ? "The code is wrong, expired or used already." : "The password is incorrect.",
    );
  }
  // A factor enabled again later has the same `_id`: this one is the one enabled then.
  const change = await beginMfaChange(
    db,
    actor,
    userId,
    "user.mfa_disabled",
    {
      kind: "gone",
      collection: "mfaFactors",
      id: userId,
      incarnation: { field: "enabled_at", value: factor.enabled_at },
    },
    now,
  );
  await db.mfaFactors.deleteOne({ _id: userId });
  await change.commit(db);
  await db.usedOnce.deleteMany({ user_id: userId, kind: "recovery" });
  await recordAudit(
    db,
    {
      action: "mfa.disabled",
      organizationId: toObjectId(actor.organizationId),
      userId,
      email: actor.email,
      details: { proven_by: code !== undefined ? "code" : "password" },
    },
    context,
  );
}

/** A change of the user's second factor: its event in each organization the user belongs to. */
async function beginMfaChange(
  db: Database,
  actor: AuthenticatedActor,
  userId: ObjectId,
  type: "user.mfa_enabled" | "user.mfa_disabled",
  proof: ProofDraft,
  at: Date,
) {
  const memberships = await db.memberships.find({ user_id: userId }, { projection: { organization_id: 1 } }).toArray();
  return beginChange(
    db,
    eventActorOf(actor),
    memberships.map((membership) => ({
      type,
      organizationId: membership.organization_id,
      data: { user_id: userId.toHexString(), email: actor.email },
      proof,
    })),
    at,
  );
}
