import { requireScope, type Role } from "../auth/permissions";
import { database } from "../db/client";
import { oneOf } from "../db/one-of";
import { UnauthenticatedError } from "../errors";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";
import { VISIBLE } from "../organizations/steps";

export interface Me {
  readonly userId: string;
  readonly email: string;
  /** See UserDocument.email_verified. */
  readonly emailVerified: boolean;
  readonly memberships: readonly { organizationId: string; organizationName: string; role: Role }[];
}

/** Who the caller is, and every organization they belong to (that exists for readers), by name. */
export async function getMe(actor: AuthenticatedActor): Promise<Me> {
  requireScope(actor, "org:read", "read their profile");
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  const db = await database();
  const [memberships, user] = await Promise.all([
    db.memberships.find({ user_id: userId }, { projection: { organization_id: 1, role: 1 } }).toArray(),
    db.users.findOne({ _id: userId }, { projection: { email_verified: 1 } }),
  ]);
  const organizations = await db.organizations
    .find({ _id: oneOf(memberships.map((m) => m.organization_id)), ...VISIBLE }, { projection: { name: 1 } })
    .sort({ name: 1 })
    .toArray();
  return {
    userId: actor.userId,
    email: actor.email,
    emailVerified: user?.email_verified === true,
    memberships: organizations.map((organization) => ({
      organizationId: organization._id.toHexString(),
      organizationName: organization.name,
      role: memberships.find((m) => m.organization_id.equals(organization._id))!.role,
    })),
  };
}
