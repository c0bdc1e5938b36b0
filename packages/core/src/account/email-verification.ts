import type { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { countMailRequest } from "../auth/credential-check";
import { requireScope } from "../auth/permissions";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import { ConflictError, UnauthenticatedError } from "../errors";
import { beginChange, type Change } from "../events/change";
import { sendBestEffort } from "../mail/mailer";
import { appLink, verifyEmailMail } from "../mail/templates";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";
import { parseInput, presentedTokenSchema } from "../validation";
import { auditInEachOrganization } from "./audit-everywhere";
import { claimAccountToken, issueAccountToken, linkGone } from "./tokens";

/**
 * Mail the user a link that verifies their address (single-use, EMAIL_LINK_TTL_HOURS); an older
 * link stops working. Best effort, like all mail: whether it was sent is returned, never thrown.
 */
export async function sendEmailVerification(
  db: Database,
  user: { readonly _id: ObjectId; readonly email: string },
  context: RequestContext,
): Promise<boolean> {
  const { token, expiresAt } = await issueAccountToken(db, {
    purpose: "email_verification",
    userId: user._id,
    email: user.email,
    ttlSeconds: config().accounts.emailLinkTtlSeconds,
    now: nowOf(context),
  });
  return sendBestEffort(verifyEmailMail({ to: user.email, link: appLink("verify", token), expiresAt }), context);
}

export const verifyEmailInputSchema = z.object({
  token: presentedTokenSchema("a token"),
});
export type VerifyEmailInput = z.input<typeof verifyEmailInputSchema>;

/**
 * `POST /auth/verify-email`: the link's token verifies the address it was mailed to, if the user
 * still has it. Public (the token is the credential), once per token; a used, expired, replaced or
 * unknown one answers 410. Verifying changes no credentials: sessions go on, and their next
 * refresh carries `email_verified: true`.
 */
export async function verifyEmail(input: VerifyEmailInput, context: RequestContext = {}): Promise<{ email: string }> {
  const { token } = parseInput(verifyEmailInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const claim = await claimAccountToken(db, {
    token,
    purpose: "email_verification",
    what: "email verification",
    now,
    stillHolds: async ({ user_id, email }) =>
      (await db.users.countDocuments({ _id: user_id, email }, { limit: 1 })) > 0,
  });
  const { user_id: userId, email } = claim.document;
  let matched: number;
  let change: Change;
  try {
    change = await beginEmailVerified(db, userId, email, now);
    // Conditional on the address: one changed since is not the one this link proves.
    ({ matchedCount: matched } = await db.users.updateOne(
      { _id: userId, email },
      { $set: { email_verified: true, updated_at: now, ...change.mark("user.email_verified") } },
    ));
  } catch (error) {
    await claim.release().catch(() => undefined);
    throw error;
  }
  if (matched === 0) {
    await claim.consumed();
    throw linkGone("email verification");
  }
  await change.commit(db);
  await claim.consumed();
  await auditInEachOrganization(db, userId, { action: "user.email_verified", email }, context);
  return { email };
}

/**
 * `user.email_verified` in each organization the user belongs to, unless the address is verified
 * already (another proof of the mailbox came first: verifying it again changes nothing).
 */
async function beginEmailVerified(db: Database, userId: ObjectId, email: string, at: Date): Promise<Change> {
  const [user, memberships] = await Promise.all([
    db.users.findOne({ _id: userId, email }, { projection: { email_verified: 1 } }),
    db.memberships.find({ user_id: userId }, { projection: { organization_id: 1 } }).toArray(),
  ]);
  const verifiedAlready = !user || user.email_verified === true;
  return beginChange(
    db,
    { type: "user", id: userId.toHexString() },
    verifiedAlready
      ? []
      : memberships.map((membership) => ({
          type: "user.email_verified" as const,
          organizationId: membership.organization_id,
          data: { user_id: userId.toHexString(), email },
          proof: { kind: "marked" as const, collection: "users" as const, id: userId },
        })),
    at,
  );
}

/**
 * `POST /me/verify-email`: a new verification link for the caller's address. Counted like a
 * password reset request (per address and source; 429 past the limits); 409 when the address is
 * verified already. Allowed to an unverified user under REQUIRE_VERIFIED_EMAIL: it is what
 * verifying needs.
 */
export async function resendEmailVerification(
  actor: AuthenticatedActor,
  context: RequestContext = {},
): Promise<{ email: string; mailSent: boolean }> {
  // Allowed before enrolling a second factor too: with REQUIRE_VERIFIED_EMAIL, enrolling waits for the
  // address to be verified, so refusing this as well would leave such a member no way forward.
  requireScope(actor, "profile:write", "ask for a verification link", {
    whileUnverified: "allowed",
    whileEnrollingMfa: "allowed",
  });
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  const now = nowOf(context);
  const db = await database();
  const user = await db.users.findOne({ _id: userId }, { projection: { email: 1, email_verified: 1 } });
  if (!user) throw new UnauthenticatedError();
  if (user.email_verified === true) {
    throw new ConflictError("This email address is verified already.", "email", { issue: "is verified already" });
  }
  await countMailRequest(db, { email: user.email, sourceIp: context.sourceIp, now });
  return { email: user.email, mailSent: await sendEmailVerification(db, user, context) };
}
