import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";
import { oneOf } from "../db/one-of";
import type { OrganizationDocument } from "../db/documents";
import { PasswordChangeRequiredError, ValidationError } from "../errors";
import { VISIBLE } from "../organizations/model";

/** An organization's raised minimum, named for the answer that refuses a shorter password. */
export interface PasswordMinimum {
  readonly minimum: number;
  readonly organizationName: string;
}

/** As the service's floor counts: bytes of UTF-8. */
const lengthOf = (password: string): number => Buffer.byteLength(password, "utf8");

/** The organization's own minimum, when it raised one. */
export function passwordMinimumOf(
  organization: Pick<OrganizationDocument, "name" | "policies">,
): PasswordMinimum | undefined {
  const minimum = organization.policies?.min_password_length;
  return minimum === undefined ? undefined : { minimum, organizationName: organization.name };
}

/**
 * The strictest minimum among a user's organizations: a password is the user's, one for all of
 * them, so it must satisfy each. `undefined` when none raised the floor. Two reads (memberships,
 * then their organizations' policies), only where a password is being set.
 */
export async function strictestPasswordMinimum(db: Database, userId: ObjectId): Promise<PasswordMinimum | undefined> {
  const memberships = await db.memberships.find({ user_id: userId }, { projection: { organization_id: 1 } }).toArray();
  if (memberships.length === 0) return undefined;
  const organizations = await db.organizations
    .find(
      { _id: oneOf(memberships.map((membership) => membership.organization_id)), ...VISIBLE },
      { projection: { name: 1, policies: 1 } },
    )
    .toArray();
  let strictest: PasswordMinimum | undefined;
  for (const organization of organizations) {
    const own = passwordMinimumOf(organization);
    if (own && (!strictest || own.minimum > strictest.minimum)) strictest = own;
  }
  return strictest;
}

/**
 * A new password against an organization's minimum: refused as any other rule of a password is
 * (422, `errors` at `path`), naming the organization and its minimum.
 */
export function checkPasswordMinimum(password: string, required: PasswordMinimum | undefined, path = "password"): void {
  if (!required || lengthOf(password) >= required.minimum) return;
  throw new ValidationError([
    {
      path,
      message: `must be at least ${required.minimum} bytes (one per ASCII character): the minimum of the organization "${required.organizationName}"`,
    },
  ]);
}

/**
 * At a password login, once the password checked out: one shorter than the organization's minimum
 * (raised since it was chosen) opens no session — 403, change it through the reset flow. Said only
 * to whoever knew the password, so it tells nobody else anything.
 */
export function requirePasswordNotBelowMinimum(
  password: string,
  organization: Pick<OrganizationDocument, "name" | "policies">,
): void {
  const required = passwordMinimumOf(organization);
  if (required && lengthOf(password) < required.minimum) {
    throw new PasswordChangeRequiredError(required.organizationName, required.minimum);
  }
}
