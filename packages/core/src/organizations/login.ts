import * as z from "zod/mini";
import { assertLoginAllowed, forgiveLoginFailures, recordLoginFailure } from "../auth/login-throttle";
import { issueAccessToken } from "../auth/tokens";
import { recordAudit } from "../audit";
import type { RequestContext } from "../context";
import { database } from "../db/client";
import { InvalidCredentialsError } from "../errors";
import { verifyPassword } from "../passwords";
import { hasControlCharacter, parseInput } from "../validation";
import { organizationProjection, toOrganization, type Organization } from "./model";
import { VISIBLE } from "./steps";

/** Loose on purpose: a login never tells which rule a credential breaks, only that it is wrong. */
export const loginInputSchema = z.object({
  email: z.pipe(
    z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(254, "must be at most 254 characters")),
    z.transform((email: string) => email.toLowerCase()),
  ),
  password: z.string().check(z.minLength(1, "must not be empty"), z.maxLength(1024, "must be at most 1024 characters")),
});

export type LoginInput = z.input<typeof loginInputSchema>;

export interface LoginResult {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly adminId: string;
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

/**
 * Exchange an admin's email and password for an access token. Every failure, unknown email
 * included, spends one bcrypt comparison and ends in the same error, so neither the answer nor
 * its timing tells whether an account exists. Past the failure limit for the email or the source
 * address, logins are refused before any comparison (see login-throttle.ts).
 */
export async function login(input: LoginInput, context: RequestContext = {}): Promise<LoginResult> {
  const { email, password } = parseInput(loginInputSchema, input);
  const db = await database();
  // The throttle check and the account lookup are independent: one round trip, not two.
  const [allowed, admin] = await Promise.allSettled([
    assertLoginAllowed(db, email, context.sourceIp),
    db.admins.findOne({ email }, { projection: { password_hash: 1, organization_id: 1, credentials_version: 1 } }),
  ]);
  if (allowed.status === "rejected") {
    await recordAudit(db, { action: "admin.login_failed", email, details: { reason: "throttled" } }, context);
    throw allowed.reason;
  }
  if (admin.status === "rejected") throw admin.reason;
  const account = admin.value;

  // Fetched while bcrypt runs (bcryptjs yields to the event loop between rounds).
  const organizationLookup = account
    ? db.organizations.findOne({ _id: account.organization_id, ...VISIBLE }, { projection: organizationProjection })
    : Promise.resolve(null);
  organizationLookup.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  const matches = await verifyPassword(password, mayMatch(password) ? account?.password_hash : undefined);
  const organization = matches ? await organizationLookup : null;
  // An admin whose organization is half-created or mid-deletion cannot log in.
  if (!account || !organization) {
    await Promise.all([
      recordLoginFailure(db, email, context.sourceIp),
      recordAudit(
        db,
        {
          action: "admin.login_failed",
          email,
          ...(account && { organizationId: account.organization_id, adminId: account._id }),
          details: { reason: "invalid_credentials" },
        },
        context,
      ),
    ]);
    throw new InvalidCredentialsError();
  }

  const adminId = account._id.toHexString();
  const [token] = await Promise.all([
    issueAccessToken({ sub: adminId, org: organization._id.toHexString(), cv: account.credentials_version }),
    recordAudit(db, { action: "admin.login", organizationId: organization._id, adminId: account._id, email }, context),
    allowed.value ? forgiveLoginFailures(db, email) : undefined,
  ]);
  return { ...token, adminId, organization: toOrganization(organization) };
}
