import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod/mini";
import { countMailRequest } from "../auth/credential-check";
import { forgiveLoginFailures } from "../auth/login-throttle";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { mailReachesOnlyTheRecipient, sendBestEffort } from "../mail/mailer";
import { appLink, passwordChangedMail, passwordResetMail } from "../mail/templates";
import { hashPassword } from "../passwords";
import { checkPasswordMinimum, strictestPasswordMinimum } from "../policies/password-length";
import { emailSchema, parseInput, passwordSchema, presentedTokenSchema } from "../validation";
import { auditInEachOrganization } from "./audit-everywhere";
import { changeProvenByLink } from "./credentials";
import { claimAccountToken, issueAccountToken } from "./tokens";

export const requestPasswordResetInputSchema = z.object({ email: emailSchema });
export type RequestPasswordResetInput = z.input<typeof requestPasswordResetInputSchema>;

/**
 * `POST /auth/password-reset`: for an address with an account, mail a link that sets a new
 * password. The answer is the same whether the address has an account or not, and so is its
 * timing: the request is counted against the address and the source (429 past the limits, for
 * both alike), and the answer waits until MAIL_REQUEST_MIN_MILLISECONDS have passed since it
 * began, which covers the lookup, the token and the mail. A newer request voids the older links.
 */
export async function requestPasswordReset(
  input: RequestPasswordResetInput,
  context: RequestContext = {},
): Promise<void> {
  const started = performance.now();
  const { email } = parseInput(requestPasswordResetInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  await countMailRequest(db, { email, sourceIp: context.sourceIp, now });
  const user = await db.users.findOne({ email }, { projection: { _id: 1, email: 1 } });
  if (user) {
    const { token, expiresAt } = await issueAccountToken(db, {
      purpose: "password_reset",
      userId: user._id,
      email: user.email,
      ttlSeconds: config().accounts.passwordResetTtlSeconds,
      now,
    });
    await Promise.all([
      sendBestEffort(passwordResetMail({ to: user.email, link: appLink("reset", token), expiresAt }), context),
      auditInEachOrganization(db, user._id, { action: "user.password_reset_requested", email }, context),
    ]);
  }
  const remaining = config().accounts.mailRequestMinMs - (performance.now() - started);
  if (remaining > 0) await sleep(remaining);
}

const tokenSchema = presentedTokenSchema("a token");

export const confirmPasswordResetInputSchema = z.object({ token: tokenSchema, password: passwordSchema });
export type ConfirmPasswordResetInput = z.input<typeof confirmPasswordResetInputSchema>;

/**
 * `POST /auth/password-reset/confirm`: the link's token sets a new password. Every session and
 * refresh token of the user, in every organization, ends (a new credentials version); the old
 * address is told; each organization's audit log records it. The token works once: of concurrent
 * confirms exactly one proceeds, and a used, expired, voided or unknown one answers 410. Two-factor
 * login stays as it was: the next login still asks for a code.
 *
 * The new password must meet the minimum of each of the user's organizations that raised it
 * (policies/): a shorter one is a 422 naming the strictest, and the link still works.
 *
 * Following a link mailed to the address alone proves the mailbox: where mail reaches only its
 * recipient, the address is verified as well.
 */
export async function confirmPasswordReset(
  input: ConfirmPasswordResetInput,
  context: RequestContext = {},
): Promise<void> {
  const { token, password } = parseInput(confirmPasswordResetInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const claim = await claimAccountToken(db, {
    token,
    purpose: "password_reset",
    what: "password reset",
    now,
    // The address changed since the link was mailed: it went to someone who may no longer own the account.
    stillHolds: async ({ user_id, email }) =>
      (await db.users.countDocuments({ _id: user_id, email }, { limit: 1 })) > 0,
  });
  // Hashed once the link is known to work (a made-up token costs no bcrypt) and the password meets
  // the strictest minimum of the user's organizations (policies/); refused, the link still works.
  const passwordHash = await strictestPasswordMinimum(db, claim.document.user_id)
    .then((required) => {
      checkPasswordMinimum(password, required);
      return hashPassword(password);
    })
    .catch(async (error: unknown) => {
      await claim.release().catch(() => undefined);
      throw error;
    });
  await changeProvenByLink(
    db,
    claim,
    claim.document.user_id,
    () => ({ password_hash: passwordHash, ...(mailReachesOnlyTheRecipient() && { email_verified: true }) }),
    context,
  );
  await Promise.all([
    forgiveLoginFailures(db, claim.document.email),
    sendBestEffort(passwordChangedMail({ to: claim.document.email, at: now }), context),
    auditInEachOrganization(
      db,
      claim.document.user_id,
      { action: "user.password_reset", email: claim.document.email },
      context,
    ),
  ]);
}
