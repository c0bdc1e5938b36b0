import { type Collection, ObjectId } from "mongodb";
import type { Role } from "../auth/permissions";
import type { MembershipDocument, UserDocument } from "../db/documents";

/** One membership per organization and user, by construction: the pair is its `_id`. */
export function membershipId(organizationId: ObjectId | string, userId: ObjectId | string): string {
  const hex = (id: ObjectId | string) => (typeof id === "string" ? id : id.toHexString());
  return `${hex(organizationId)}:${hex(userId)}`;
}

export function newMembership(
  organizationId: ObjectId,
  user: Pick<UserDocument, "_id" | "email" | "credentials_version">,
  role: Role,
  now = new Date(),
): MembershipDocument {
  return {
    _id: membershipId(organizationId, user._id),
    organization_id: organizationId,
    user_id: user._id,
    role,
    grant: new ObjectId(),
    email: user.email,
    credentials_version: user.credentials_version,
    joined_at: now,
    updated_at: now,
  };
}

/**
 * The organizations a user is a member of: where an event about the user is told (events/). Takes
 * the memberships rather than the whole `Database`: db/client.ts's migration imports this module.
 */
export async function organizationsOf(
  db: { readonly memberships: Collection<MembershipDocument> },
  userId: ObjectId,
): Promise<ObjectId[]> {
  const memberships = await db.memberships.find({ user_id: userId }, { projection: { organization_id: 1 } }).toArray();
  return memberships.map((membership) => membership.organization_id);
}
