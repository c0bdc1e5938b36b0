import * as z from "zod/mini";
import { assertLoginAllowed, forgiveLoginFailures, recordLoginFailure } from "../auth/login-throttle";
import type { Role } from "../auth/permissions";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { MembershipDocument, OrganizationDocument, UserDocument } from "../db/documents";
import { InvalidCredentialsError, OrganizationChoiceRequiredError } from "../errors";
import { type MfaRequired, startMfaChallenge } from "../mfa/login";
import { verifyPassword } from "../passwords";
import { type IssuedSession, openSession } from "../sessions/session";
import { slugify } from "../slug";
import { hasControlCharacter, organizationNameSchema, parseInput } from "../validation";
import { organizationProjection, toOrganization, type Organization } from "./model";
import { VISIBLE } from "./steps";

/** Loose on purpose: a login never tells which rule a credential breaks, only that it is wrong. */
export const loginInputSchema = z.object({
  email: z.pipe(
    z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(254, "must be at most 254 characters")),
    z.transform((email: string) => email.toLowerCase()),
  ),
  password: z.string().check(z.minLength(1, "must not be empty"), z.maxLength(1024, "must be at most 1024 characters")),
  /** Which organization to log into, for a user who belongs to several. */
  organizationName: z.optional(organizationNameSchema),
});

export type LoginInput = z.input<typeof loginInputSchema>;

/** A login's answer: the new session's tokens, for one organization. */
export interface LoginResult extends IssuedSession {
  readonly userId: string;
  readonly role: Role;
  readonly organization: Organization;
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

interface Candidate {
  readonly membership: MembershipDocument;
  readonly organization: OrganizationDocument;
}

/**
 * Exchange a user's email and password for an access token to one of their organizations. Every
 * failure, unknown email included, spends one bcrypt comparison and ends in the same error, so
 * neither the answer nor its timing tells whether an account exists; so does naming an
 * organization the user is not a member of. A user of several organizations who names none is told
 * which they may choose — only once the password checked out. Past the failure limit for the email
 * or the source address, logins are refused before any comparison (see login-throttle.ts).
 *
 * A login opens a session (sessions/session.ts). With two-factor login on, the right password
 * opens none yet: it answers a challenge for the code step (mfa/login.ts), and forgives no
 * failures — only a completed login does.
 */
export async function login(input: LoginInput, context: RequestContext = {}): Promise<LoginResult | MfaRequired> {
  const { email, password, organizationName } = parseInput(loginInputSchema, input);
  const db = await database();
  // The throttle check and the account lookup are independent: one round trip, not two.
  const [allowed, found] = await Promise.allSettled([
    assertLoginAllowed(db, email, context.sourceIp),
    db.users.findOne({ email }, { projection: { password_hash: 1, email: 1 } }),
  ]);
  if (allowed.status === "rejected") {
    await recordAudit(db, { action: "admin.login_failed", email, details: { reason: "throttled" } }, context);
    throw allowed.reason;
  }
  if (found.status === "rejected") throw found.reason;
  const user = found.value;

  // Fetched while bcrypt runs (bcryptjs yields to the event loop between rounds).
  const candidatesLookup = user ? candidatesOf(db, user, organizationName) : Promise.resolve([]);
  candidatesLookup.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  const factorLookup = user
    ? db.mfaFactors.findOne({ _id: user._id }, { projection: { _id: 1 } })
    : Promise.resolve(null);
  factorLookup.catch(() => undefined);
  const matches = await verifyPassword(password, mayMatch(password) ? user?.password_hash : undefined);
  const candidates = matches ? await candidatesLookup : [];
  // A user whose only organizations are half-created or mid-deletion cannot log in.
  if (!user || candidates.length === 0) {
    // In the audit log of each organization the account belongs to, so its admins see the attempts.
    const concerned = user ? await candidatesLookup.catch(() => []) : [];
    const failure = (organization?: OrganizationDocument) =>
      recordAudit(
        db,
        {
          action: "admin.login_failed",
          email,
          ...(user && { adminId: user._id }),
          ...(organization && { organizationId: organization._id }),
          details: { reason: "invalid_credentials" },
        },
        context,
      );
    await Promise.all([
      recordLoginFailure(db, email, context.sourceIp),
      ...(concerned.length > 0 ? concerned.map(({ organization }) => failure(organization)) : [failure()]),
    ]);
    throw new InvalidCredentialsError();
  }
  if (candidates.length > 1) {
    throw new OrganizationChoiceRequiredError(
      candidates.map(({ membership, organization }) => ({
        organizationId: organization._id.toHexString(),
        organizationName: organization.name,
        role: membership.role,
      })),
    );
  }

  const [{ membership, organization }] = candidates as [Candidate];
  if (await factorLookup) return startMfaChallenge(db, membership, context);
  const session = await openSession(db, membership, context);
  await Promise.all([
    recordAudit(db, { action: "admin.login", organizationId: organization._id, adminId: user._id, email }, context),
    allowed.value ? forgiveLoginFailures(db, email) : undefined,
  ]);
  return {
    ...session,
    userId: user._id.toHexString(),
    role: membership.role,
    organization: toOrganization(organization),
  };
}

/** The user's memberships of organizations that exist for readers; the named one only, when a name is given. */
async function candidatesOf(
  db: Database,
  user: Pick<UserDocument, "_id">,
  organizationName: string | undefined,
): Promise<Candidate[]> {
  const memberships = await db.memberships.find({ user_id: user._id }).toArray();
  if (memberships.length === 0) return [];
  const organizations = await db.organizations
    .find(
      {
        _id: { $in: memberships.map((membership) => membership.organization_id) },
        ...(organizationName !== undefined && { slug: slugify(organizationName) }),
        ...VISIBLE,
      },
      { projection: organizationProjection },
    )
    .sort({ name: 1 })
    .toArray();
  return organizations.map((organization) => ({
    organization,
    membership: memberships.find((membership) => membership.organization_id.equals(organization._id))!,
  }));
}
