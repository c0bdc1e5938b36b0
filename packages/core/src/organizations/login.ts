import { z } from "zod";
import { issueAccessToken } from "../auth/tokens";
import { database } from "../db/client";
import { InvalidCredentialsError } from "../errors";
import { verifyPassword } from "../passwords";
import { parseInput } from "../validation";
import { organizationProjection, toOrganization, type Organization } from "./model";
import { VISIBLE } from "./steps";

/** Loose on purpose: a login never tells which rule a credential breaks, only that it is wrong. */
export const loginInputSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(254, "must be at most 254 characters")
    .transform((email) => email.toLowerCase()),
  password: z.string().min(1, "must not be empty").max(1024, "must be at most 1024 characters"),
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
 * Exchange an admin's email and password for an access token. Every failure, unknown email
 * included, spends one bcrypt comparison and ends in the same error, so neither the answer nor
 * its timing tells whether an account exists.
 */
export async function login(input: LoginInput): Promise<LoginResult> {
  const { email, password } = parseInput(loginInputSchema, input);
  const db = await database();
  const admin = await db.admins.findOne({ email }, { projection: { password_hash: 1, organization_id: 1 } });
  const comparable = Buffer.byteLength(password, "utf8") <= BCRYPT_MAX_BYTES;
  const matches = await verifyPassword(password, comparable ? admin?.password_hash : undefined);
  if (!admin || !matches) throw new InvalidCredentialsError();

  const organization = await db.organizations.findOne({ _id: admin.organization_id, ...VISIBLE }, { projection: organizationProjection });
  // An admin whose organization is half-created or mid-deletion cannot log in.
  if (!organization) throw new InvalidCredentialsError();

  const adminId = admin._id.toHexString();
  const token = await issueAccessToken({ sub: adminId, org: organization._id.toHexString() });
  return { ...token, adminId, organization: toOrganization(organization) };
}
