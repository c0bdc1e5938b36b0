import * as z from "zod/mini";
import { countMailRequest } from "../auth/credential-check";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { UserDocument } from "../db/documents";
import { sendBestEffort } from "../mail/mailer";
import { appLink, confirmEmailChangeMail, emailChangeRequestedMail, emailTakenMail } from "../mail/templates";
import { membershipId } from "../members/membership";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";
import { type IssuedSession, openSession } from "../sessions/session";
import { parseInput, presentedTokenSchema } from "../validation";
import { auditInEachOrganization } from "./audit-everywhere";
import { changeProvenByLink } from "./credentials";
import { claimAccountToken, issueAccountToken } from "./tokens";

/** An email change asked for and waiting for the new address to confirm it. */
export interface PendingEmailChange {
  readonly email: string;
  readonly expiresAt: Date;
  readonly mailSent: boolean;
}

/**
 * Ask to change a user's address: nothing changes yet. The new address gets a link that confirms
 * the change (single-use, EMAIL_LINK_TTL_HOURS); the current one a notice, which needs no link to
 * object: the change happens only if the new address confirms it, and until then login and
 * everything else go on with the current address. A newer request voids the older link.
 *
 * The answer is the same whether another user has the new address or not, so that asking cannot
 * be used to find out which addresses have accounts: a taken one is mailed a notice that nothing
 * changes, with no link (nothing could be confirmed: the unique email index would refuse it), so
 * that whether the mail went out (`mailSent`, which tells the caller a confirmation may not have
 * arrived) is the address's either way — where mail to it fails, it fails for both.
 * Requests are counted per new address and per source like a password reset request (429 past the
 * limits), so the service cannot be used to flood a mailbox either.
 */
export async function requestEmailChange(
  db: Database,
  user: Pick<UserDocument, "_id" | "email">,
  newEmail: string,
  context: RequestContext,
): Promise<PendingEmailChange> {
  const now = nowOf(context);
  await countMailRequest(db, { email: newEmail, sourceIp: context.sourceIp, now });
  const taken = (await db.users.countDocuments({ email: newEmail }, { limit: 1 })) > 0;
  const ttlSeconds = config().accounts.emailLinkTtlSeconds;
  const confirmation = async (): Promise<{ mailSent: boolean; expiresAt: Date }> => {
    if (taken) {
      // A mail to the address either way, so that `mailSent` is that address's, not its account's.
      const mailSent = await sendBestEffort(emailTakenMail({ to: newEmail, at: now }), context);
      return { mailSent, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
    }
    const { token, expiresAt } = await issueAccountToken(db, {
      purpose: "email_change",
      userId: user._id,
      email: newEmail,
      ttlSeconds,
      now,
    });
    const mailSent = await sendBestEffort(
      confirmEmailChangeMail({ to: newEmail, link: appLink("confirm-email", token), expiresAt }),
      context,
    );
    return { mailSent, expiresAt };
  };
  const [{ mailSent, expiresAt }] = await Promise.all([
    confirmation(),
    sendBestEffort(emailChangeRequestedMail({ to: user.email, newEmail, at: now }), context),
    auditInEachOrganization(
      db,
      user._id,
      { action: "user.email_change_requested", email: user.email, details: { new_email: newEmail } },
      context,
    ),
  ]);
  return { email: newEmail, expiresAt, mailSent };
}

export const confirmEmailChangeInputSchema = z.object({
  token: presentedTokenSchema("a token"),
});
export type ConfirmEmailChangeInput = z.input<typeof confirmEmailChangeInputSchema>;

export interface ConfirmedEmailChange {
  readonly email: string;
  /** When the request came with a current session of the same user: it goes on under the new credentials. */
  readonly session?: IssuedSession;
}

/**
 * `POST /auth/confirm-email`: the link mailed to the new address switches the user to it, verified
 * (following it proves that mailbox). The email index keeps addresses unique: of two users
 * confirming the same address, exactly one wins and the other gets 409. Every session of the user
 * ends (a new credentials version), except the caller's own when the request carries its bearer
 * token, which continues under a new id with fresh tokens. Public: the token is the credential;
 * used, expired, replaced or unknown ones answer 410.
 */
export async function confirmEmailChange(
  input: ConfirmEmailChangeInput,
  context: RequestContext = {},
  caller?: AuthenticatedActor,
): Promise<ConfirmedEmailChange> {
  const { token } = parseInput(confirmEmailChangeInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const claim = await claimAccountToken(db, { token, purpose: "email_change", what: "email change", now });
  const { user_id: userId, email } = claim.document;
  // The caller's own session, read before the change ends it, to continue it afterwards.
  const continuing =
    caller && toObjectId(caller.userId)?.equals(userId) === true
      ? await db.sessions.findOne({ _id: toObjectId(caller.sessionId)!, user_id: userId })
      : null;
  let previousEmail = claim.document.email;
  await changeProvenByLink(
    db,
    claim,
    userId,
    (user) => {
      previousEmail = user.email;
      return { email, email_verified: true };
    },
    context,
  );
  await auditInEachOrganization(
    db,
    userId,
    { action: "user.email_changed", email, details: { previous_email: previousEmail } },
    context,
  );
  if (!continuing) return { email };
  const membership = await db.memberships.findOne({ _id: membershipId(continuing.organization_id, userId) });
  if (!membership) return { email };
  return { email, session: await openSession(db, membership, context, { continues: continuing }) };
}
