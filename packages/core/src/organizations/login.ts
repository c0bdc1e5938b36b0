import * as z from "zod/mini";
import { checkPassword } from "../auth/credential-check";
import { forgiveLoginFailures } from "../auth/login-throttle";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import { database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import {
  InvalidCredentialsError,
  OrganizationChoiceRequiredError,
  OrganizationSuspendedError,
  TooManyAttemptsError,
} from "../errors";
import { type VisibleMembership, visibleMembershipsOf } from "../members/visible-memberships";
import { type MfaRequired, startMfaChallenge } from "../mfa/login";
import { requirePasswordNotBelowMinimum } from "../policies/password-length";
import { type LoginResult, openSession } from "../sessions/session";
import { refuseUnlessPasswordAllowed } from "../sso/enforcement";
import { hasControlCharacter, organizationNameSchema, parseInput } from "../validation";
import { toOrganization } from "./model";

// Defined with the session it issues (sessions/session.ts), where the two-factor login and the switch reach it.
export type { LoginResult } from "../sessions/session";

/** Loose on purpose: a login never tells which rule a credential breaks, only that it is wrong. */
export const loginInputSchema = z.object({
  email: z.pipe(
    z.string().check(
      z.trim(),
      z.minLength(1, "must not be empty"),
      z.maxLength(254, "must be at most 254 characters"),
      // No account's email holds one, and the attempt's count could not be stored with it (FerretDB
      // on PostgreSQL refuses a NUL in a document): a 422 rather than a 500.
      z.refine<string>((email) => !hasControlCharacter(email), "must not contain control characters"),
    ),
    z.transform((email: string) => email.toLowerCase()),
  ),
  password: z.string().check(z.minLength(1, "must not be empty"), z.maxLength(1024, "must be at most 1024 characters")),
  /** Which organization to log into, for a user who belongs to several. */
  organizationName: z.optional(organizationNameSchema),
});

export type LoginInput = z.input<typeof loginInputSchema>;

/**
 * Exchange a user's email and password for an access token to one of their organizations. Every
 * failure, unknown email included, spends one bcrypt comparison and ends in the same error, so
 * neither the answer nor its timing tells whether an account exists; so does naming an
 * organization the user is not a member of. A user of several organizations who names none is told
 * which they may choose — only once the password checked out. The password is checked, throttled
 * and counted by the one credential check (auth/credential-check.ts): past the failure limit for
 * the email or the source address, logins are refused before any comparison.
 *
 * A login opens a session (sessions/session.ts). With two-factor login on, the right password
 * opens none yet: it answers a challenge for the code step (mfa/login.ts), and forgives no
 * failures — only a completed login does.
 *
 * The organization's policies (policies/): a right password shorter than its minimum opens nothing
 * (403, change it through the reset flow); with two-factor login required and no factor, the
 * session's tokens only enroll one (decided where tokens are issued: sessions/session.ts).
 */
export async function login(input: LoginInput, context: RequestContext = {}): Promise<LoginResult | MfaRequired> {
  const { email, password, organizationName } = parseInput(loginInputSchema, input);
  const db = await database();
  // Read while the throttle is (one round trip, not two), and what a login needs next while bcrypt
  // runs (bcryptjs yields to the event loop between rounds).
  const userLookup = db.users.findOne({ email }, { projection: { password_hash: 1, email: 1 } });
  // The user's memberships of organizations that exist for readers; the named one only, when a name is given.
  // With each organization's policies: a minimum raised since the password was chosen refuses it below.
  const candidatesLookup = userLookup.then((found) =>
    found ? visibleMembershipsOf(db, found._id, organizationName, { policies: 1 }) : [],
  );
  const factorLookup = userLookup.then(
    (found) => found && db.mfaFactors.findOne({ _id: found._id }, { projection: { _id: 1 } }),
  );
  // Awaited below where needed; never an unhandled rejection meanwhile.
  for (const lookup of [userLookup, candidatesLookup, factorLookup]) lookup.catch(() => undefined);

  const check = await checkPassword(
    db,
    { email, password, sourceIp: context.sourceIp },
    userLookup.then((found) => found?.password_hash),
    // A user whose only organizations are half-created or mid-deletion (or who names one they are
    // not a member of) has nothing to log into: a failure like a wrong password.
    async () => (await candidatesLookup).length > 0,
  ).catch(async (error: unknown) => {
    if (error instanceof TooManyAttemptsError)
      await recordAudit(db, { action: "admin.login_failed", email, details: { reason: "throttled" } }, context);
    throw error;
  });
  const user = await userLookup;
  if (!check.ok || !user) {
    // In the audit log of each organization the account belongs to, so its admins see the attempts.
    const concerned = user ? await candidatesLookup.catch(() => []) : [];
    const failure = (organization?: OrganizationDocument) =>
      recordAudit(
        db,
        {
          action: "admin.login_failed",
          email,
          ...(user && { userId: user._id }),
          ...(organization && { organizationId: organization._id }),
          details: { reason: "invalid_credentials" },
        },
        context,
      );
    await Promise.all(concerned.length > 0 ? concerned.map(({ organization }) => failure(organization)) : [failure()]);
    throw new InvalidCredentialsError();
  }
  // The user's domain belongs to an organization that enforces single sign-on: not by password
  // (its owners excepted). Said only now, once the password checked out.
  await refuseUnlessPasswordAllowed(db, user, context);
  const candidates = await candidatesLookup;
  if (candidates.length > 1) {
    throw new OrganizationChoiceRequiredError(
      candidates.map(({ membership, organization }) => ({
        organizationId: organization._id.toHexString(),
        organizationName: organization.name,
        role: membership.role,
      })),
    );
  }

  const [{ membership, organization }] = candidates as [VisibleMembership];
  // Said only once the password checked out: to its members a suspension is no secret.
  if (organization.suspended) throw new OrganizationSuspendedError();
  // The organization raised its minimum above this password: no session (nor code step) until it
  // is changed through the reset flow. Only now, once the password checked out.
  try {
    requirePasswordNotBelowMinimum(password, organization);
  } catch (error) {
    await recordAudit(
      db,
      {
        action: "admin.login_failed",
        organizationId: organization._id,
        userId: user._id,
        email,
        details: { reason: "password_change_required" },
      },
      context,
    );
    throw error;
  }
  if (await factorLookup) return startMfaChallenge(db, membership, context);
  const session = await openSession(db, membership, context);
  await Promise.all([
    recordAudit(db, { action: "admin.login", organizationId: organization._id, userId: user._id, email }, context),
    check.hadFailures ? forgiveLoginFailures(db, email) : undefined,
  ]);
  return {
    ...session,
    userId: user._id.toHexString(),
    role: membership.role,
    organization: toOrganization(organization),
  };
}
