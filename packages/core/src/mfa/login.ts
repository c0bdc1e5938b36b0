import type { ObjectId } from "mongodb";
import { hashRandomSecret, newRandomSecret } from "../random-secret";
import * as z from "zod/mini";
import { checkSecret } from "../auth/credential-check";
import { forgiveLoginFailures } from "../auth/login-throttle";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { MembershipDocument } from "../db/documents";
import { InvalidGrantError, OrganizationSuspendedError } from "../errors";
import { membershipId } from "../members/membership";
import { organizationProjection, toOrganization, VISIBLE } from "../organizations/model";
import { type LoginResult, openSession } from "../sessions/session";
import { parseInput, presentedTokenSchema } from "../validation";
import { recoveryCodeSchema, totpCodeSchema, useOnce, useRecoveryCode, useTotpCode } from "./codes";

/** How long the code step of a login waits: 5 minutes. */
export const MFA_CHALLENGE_TTL_SECONDS = 300;

/** A login whose password was right, waiting for the second factor. */
export interface MfaRequired {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  readonly expiresIn: number;
}

const hashChallengeToken = hashRandomSecret;

/** After the password: a challenge (256 random bits, only its hash stored) for the code step. */
export async function startMfaChallenge(
  db: Database,
  membership: Pick<MembershipDocument, "user_id" | "organization_id" | "credentials_version">,
  context: RequestContext,
  /** After a single sign-on of this organization rather than a password (sso/login.ts). */
  ssoOrganizationId?: ObjectId,
): Promise<MfaRequired> {
  const now = nowOf(context);
  const { secret: token, hash } = newRandomSecret();
  await db.mfaChallenges.insertOne({
    _id: hash,
    user_id: membership.user_id,
    organization_id: membership.organization_id,
    credentials_version: membership.credentials_version,
    ...(ssoOrganizationId && { sso_organization_id: ssoOrganizationId }),
    created_at: now,
    expires_at: new Date(now.getTime() + MFA_CHALLENGE_TTL_SECONDS * 1000),
  });
  return { mfaRequired: true, mfaToken: token, expiresIn: MFA_CHALLENGE_TTL_SECONDS };
}

export const completeMfaInputSchema = z
  .object({
    mfaToken: presentedTokenSchema("a two-factor login token"),
    code: z.optional(totpCodeSchema),
    recoveryCode: z.optional(recoveryCodeSchema),
  })
  .check(
    z.refine(
      (input) => (input.code === undefined) !== (input.recoveryCode === undefined),
      "give either code or recovery_code",
    ),
  );
export type CompleteMfaInput = z.input<typeof completeMfaInputSchema>;

const challengeGone = () =>
  new InvalidGrantError("This two-factor login is unknown, used or expired: log in with the password again.");

/**
 * `POST /auth/mfa`: the second step of a login with two-factor login on. A current TOTP code (once
 * per time step) or an unused recovery code (once each) completes it with the normal login answer;
 * the challenge is single-use (its use is a unique key) and lives 5 minutes. Wrong codes count
 * against the same limits as wrong passwords, per email and per address: past them, 429 with
 * Retry-After — for the code step and for the password step alike, so guessing codes cannot be
 * restarted by logging in again (only a completed login forgives failures).
 */
export async function completeMfaLogin(input: CompleteMfaInput, context: RequestContext = {}): Promise<LoginResult> {
  const { mfaToken, code, recoveryCode } = parseInput(completeMfaInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const challengeId = hashChallengeToken(mfaToken);
  const challenge = await db.mfaChallenges.findOne({ _id: challengeId, expires_at: { $gt: now } });
  if (!challenge) throw challengeGone();
  const [user, factor] = await Promise.all([
    db.users.findOne({ _id: challenge.user_id }, { projection: { email: 1, credentials_version: 1 } }),
    db.mfaFactors.findOne({ _id: challenge.user_id }),
  ]);
  // Begun under credentials changed since (a password reset): the password it passed is no longer the user's.
  if (!user || !factor || challenge.credentials_version !== user.credentials_version) throw challengeGone();
  const { ok: accepted, hadFailures } = await checkSecret(
    db,
    { email: user.email, sourceIp: context.sourceIp, now },
    () =>
      code !== undefined
        ? useTotpCode(db, user._id, factor.secret, code, now)
        : useRecoveryCode(db, factor, recoveryCode!, now),
  );
  if (!accepted) {
    await recordAudit(
      db,
      {
        action: "admin.login_failed",
        organizationId: challenge.organization_id,
        userId: user._id,
        email: user.email,
        details: { reason: code !== undefined ? "invalid_code" : "invalid_recovery_code" },
      },
      context,
    );
    throw new InvalidGrantError("The code is wrong, expired or used already.");
  }
  if (!(await useOnce(db, user._id, `challenge:${challengeId}`, "challenge", now, challenge.expires_at))) {
    throw challengeGone();
  }
  await db.mfaChallenges.deleteOne({ _id: challengeId });

  const [membership, organization] = await Promise.all([
    db.memberships.findOne({ _id: membershipId(challenge.organization_id, challenge.user_id) }),
    db.organizations.findOne({ _id: challenge.organization_id, ...VISIBLE }, { projection: organizationProjection }),
  ]);
  if (!membership || !organization || membership.credentials_version !== challenge.credentials_version)
    throw challengeGone();
  if (organization.suspended) throw new OrganizationSuspendedError();
  const session = await openSession(db, membership, context, {
    mfa: true,
    ...(challenge.sso_organization_id && { ssoOrganizationId: challenge.sso_organization_id }),
  });
  await Promise.all([
    recordAudit(
      db,
      {
        action: "admin.login",
        organizationId: organization._id,
        userId: user._id,
        email: user.email,
        details: { mfa: code !== undefined ? "totp" : "recovery_code" },
      },
      context,
    ),
    recoveryCode !== undefined &&
      recordAudit(
        db,
        {
          action: "mfa.recovery_code_used",
          organizationId: organization._id,
          userId: user._id,
          email: user.email,
          details: {
            remaining: String(
              factor.recovery_code_hashes.length -
                (await db.usedOnce.countDocuments({ user_id: user._id, kind: "recovery" })),
            ),
          },
        },
        context,
      ),
    hadFailures ? forgiveLoginFailures(db, user.email) : undefined,
  ]);
  return {
    ...session,
    userId: user._id.toHexString(),
    role: membership.role,
    organization: toOrganization(organization),
  };
}
