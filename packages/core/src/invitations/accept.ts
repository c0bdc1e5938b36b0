import { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { checkLimits, checkPassword } from "../auth/credential-check";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { logger, redact, requestFields } from "../logger";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import {
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidCredentialsError,
  OrganizationSuspendedError,
  ValidationError,
} from "../errors";
import { beginChange, type EventDraft } from "../events/change";
import type { EventActor } from "../events/types";
import { newMembership } from "../members/membership";
import type { LoginResult } from "../organizations/login";
import { type Actor, organizationProjection, toOrganization, VISIBLE } from "../organizations/model";
import { emailTaken } from "../account/credentials";
import { hashPassword } from "../passwords";
import { requireInvitationDomainAllowed } from "../policies/invitation-domains";
import { checkPasswordMinimum, passwordMinimumOf } from "../policies/password-length";
import { openSession } from "../sessions/session";
import { parseInput, passwordSchema, presentedTokenSchema } from "../validation";
import { refuseUnlessPasswordAllowed } from "../sso/enforcement";
import { closeInvitation, isPending } from "./close";
import { hashInvitationToken } from "./token";

export const acceptInputSchema = z.object({
  token: presentedTokenSchema("an invitation token"),
  password: z.optional(z.string().check(z.maxLength(1024, "must be at most 1024 characters"))),
});
export type AcceptInput = z.input<typeof acceptInputSchema>;

const newAccountSchema = z.object({ password: passwordSchema });

const gone = () => new GoneError("This invitation is unknown, used, revoked or expired.");

const passwordRequired = () =>
  new ValidationError([
    { path: "password", message: "is required: the account's password, or a new one when the email has no account" },
  ]);

/**
 * Accept an invitation: the invited email becomes a member with the invited role and is logged
 * into the organization (the answer is a login's). A new email must choose a password; an
 * existing user proves it is them with their password or a bearer token of theirs (only the token
 * when they have two-factor login on: a password alone would skip the code). Unknown, revoked,
 * used and expired tokens all get the same 410. The answer opens a session, as a login does.
 *
 * The password of an existing account is checked by the one credential check, throttled and
 * counted with logins (auth/credential-check.ts): an invitation is no way around the login
 * limits. Before it, an accept answers alike whether the email has an account or not: a password
 * is required and must meet the rules of a new one (the same 422; an account whose password
 * predates a rule accepts with its bearer token), and the attempt counts against the same limits
 * (the same 429). After it, the outcome differs, as it must (a new account, or a password
 * checked): docs/security.md says what that shows and to whom.
 *
 * The organization's policies (policies/) apply as they are at the accept: an address outside its
 * invitation domains is refused (403), a password shorter than its minimum too (422, like any rule
 * of a new password); with two-factor login required, a member without a factor gets tokens that
 * only enroll one.
 *
 * Accepting proves the mailbox only when the inviter never saw the token (it went by mail alone):
 * then the account's email counts as verified; otherwise a new account's does not.
 *
 * Single use under any concurrency: the one accept that inserts the invitation's claim (keyed by
 * its id) proceeds, every other gets 410. If that accept then fails, it releases the claim; if it
 * dies, the reconciler does (or marks the invitation accepted if the membership was made).
 */
export async function acceptInvitation(
  input: AcceptInput,
  context: RequestContext = {},
  caller?: Pick<Actor, "userId" | "role" | "scopes">,
): Promise<LoginResult> {
  const { token, password } = parseInput(acceptInputSchema, input);
  const db = await database();
  const now = nowOf(context);
  const invitation = await db.invitations.findOne({ token_hash: hashInvitationToken(token) });
  if (!invitation || !isPending(invitation, now)) throw gone();
  const organization = await db.organizations.findOne(
    { _id: invitation.organization_id, ...VISIBLE },
    { projection: { ...organizationProjection, policies: 1 } },
  );
  if (!organization) throw gone();
  if (organization.suspended) throw new OrganizationSuspendedError();
  // The organization's policy now, not when the invitation was sent, decides (403 before anything is written).
  requireInvitationDomainAllowed(organization, invitation.email);

  // Who accepts, proven before anything is written (the slow bcrypt work holds nothing). Up to
  // the password check, both kinds of address are answered alike: a password is required and must
  // meet the rules of a new one (422 either way), and the attempt is counted against the same
  // limits (429 either way).
  const existing = await db.users.findOne({ email: invitation.email });
  const byToken = existing !== null && caller?.userId === existing._id.toHexString();
  if (byToken) requireScope(caller, "profile:write", "accept an invitation with their token");
  if (!byToken && password === undefined) throw passwordRequired();
  const newPassword = byToken ? undefined : parseInput(newAccountSchema, { password }).password;
  // The organization's own minimum too, for both kinds of address alike (the answer tells neither apart).
  if (newPassword !== undefined) checkPasswordMinimum(newPassword, passwordMinimumOf(organization));
  const attempt = { email: invitation.email, sourceIp: context.sourceIp, now };
  const mailboxProven = invitation.token_shown === false;
  let user: UserDocument;
  if (existing) {
    if (
      newPassword !== undefined &&
      !(await checkPassword(db, { ...attempt, password: newPassword }, existing.password_hash)).ok
    ) {
      await recordAudit(
        db,
        {
          action: "admin.login_failed",
          organizationId: invitation.organization_id,
          userId: existing._id,
          email: existing.email,
          details: { reason: "invalid_credentials", invitation_id: invitation._id.toHexString() },
        },
        context,
      );
      throw new InvalidCredentialsError();
    }
    // A password alone would get past the second factor: such a user accepts signed in.
    if (!byToken && (await db.mfaFactors.findOne({ _id: existing._id }, { projection: { _id: 1 } }))) {
      throw new ForbiddenError(
        "This account has two-factor login: log in first, then accept the invitation with your bearer token.",
      );
    }
    // A password is no way in for a user whose domain enforces single sign-on: as at login.
    if (!byToken) await refuseUnlessPasswordAllowed(db, existing, context);
    user = existing;
  } else {
    // Nothing to compare, but the same limits, so that a refusal says nothing about the address.
    await checkLimits(db, attempt);
    const userId = new ObjectId();
    // Nor is a new password a way in where the address's domain enforces single sign-on: the
    // account would hold a session its provider never vouched for.
    await refuseUnlessPasswordAllowed(db, { _id: userId, email: invitation.email }, context);
    user = {
      _id: userId,
      email: invitation.email,
      email_verified: mailboxProven,
      password_hash: await hashPassword(newPassword!),
      credentials_version: 1,
      created_at: now,
      updated_at: now,
    };
  }

  try {
    await db.invitationClaims.insertOne({ _id: invitation._id, claimed_at: now });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw gone();
    throw error;
  }
  const membership = newMembership(organization._id, user, invitation.role, now);
  const userId = user._id.toHexString();
  const eventActor: EventActor = { type: "user", id: userId };
  const invitationId = invitation._id.toHexString();
  // A new account made verified (the mail alone carried the link) is a user whose email is verified
  // in the one organization it joins; an existing one's is marked below, after the membership.
  const verifiedNew = !existing && mailboxProven;
  const change = await beginChange(
    db,
    eventActor,
    [
      {
        type: "invitation.accepted",
        organizationId: organization._id,
        data: { invitation_id: invitationId, email: invitation.email, role: invitation.role, user_id: userId },
        proof: { kind: "marked", collection: "invitations", id: invitation._id },
      },
      {
        type: "member.added",
        organizationId: organization._id,
        data: { user_id: userId, email: membership.email, role: membership.role, invitation_id: invitationId },
        proof: { kind: "marked", collection: "memberships", id: membership._id },
      },
      ...(verifiedNew ? [emailVerifiedDraft(organization._id, user)] : []),
    ],
    now,
  );
  try {
    if (!existing) {
      try {
        await db.users.insertOne({ ...user, ...(verifiedNew && change.marks("user.email_verified")) });
      } catch (error) {
        if (isDuplicateKeyError(error)) throw emailTaken();
        throw error;
      }
    }
    try {
      await db.memberships.insertOne({ ...membership, ...change.marks("member.added") });
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new ConflictError("This user is a member already.", "token", { issue: "is for a member already" });
      throw error;
    }
    await closeInvitation(db, invitation, { accepted_at: membership.joined_at }, change.mark("invitation.accepted"));
  } catch (error) {
    await db.invitationClaims.deleteOne({ _id: invitation._id });
    throw error;
  }
  await change.commit(db);

  const [issued] = await Promise.all([
    openSession(db, membership, context),
    // The mailed link reached them: the address is theirs (still the invited one: the filter says so).
    // Best effort: the accept has happened; a failed mark is logged, and the next mailed link sets it.
    existing &&
      mailboxProven &&
      existing.email_verified !== true &&
      markEmailVerified(db, existing, eventActor, now).catch((error: unknown) =>
        logger.error("email not marked verified", {
          error: redact((error as Error).message),
          ...requestFields(context),
        }),
      ),
    recordAudit(
      db,
      {
        action: "invitation.accepted",
        organizationId: organization._id,
        userId: user._id,
        email: user.email,
        details: { invitation_id: invitation._id.toHexString(), role: invitation.role, new_user: !existing },
      },
      context,
    ),
  ]);
  return {
    ...issued,
    userId: user._id.toHexString(),
    role: membership.role,
    organization: toOrganization(organization),
  };
}

function emailVerifiedDraft(organizationId: ObjectId, user: Pick<UserDocument, "_id" | "email">): EventDraft {
  return {
    type: "user.email_verified",
    organizationId,
    data: { user_id: user._id.toHexString(), email: user.email },
    proof: { kind: "marked", collection: "users", id: user._id },
  };
}

/**
 * An existing user's address proven by the accept (still the invited one: the filter says so):
 * `user.email_verified` in each of their organizations, the one just joined among them. Its own
 * change, committed only if the write found the user: one whose address changed since made none.
 */
async function markEmailVerified(
  db: Database,
  user: Pick<UserDocument, "_id" | "email">,
  actor: EventActor,
  at: Date,
): Promise<void> {
  const memberships = await db.memberships
    .find({ user_id: user._id }, { projection: { organization_id: 1 } })
    .toArray();
  const change = await beginChange(
    db,
    actor,
    memberships.map((membership) => emailVerifiedDraft(membership.organization_id, user)),
    at,
  );
  const { matchedCount } = await db.users.updateOne(
    { _id: user._id, email: user.email },
    { $set: { email_verified: true, ...change.mark("user.email_verified") } },
  );
  if (matchedCount > 0) await change.commit(db);
}
