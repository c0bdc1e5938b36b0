import { requireScope, type Role } from "../auth/permissions";
import { database } from "../db/client";
import { UnauthenticatedError } from "../errors";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";
import { visibleMembershipsOf } from "./visible-memberships";

export interface Me {
  readonly userId: string;
  readonly email: string;
  /** See UserDocument.email_verified. */
  readonly emailVerified: boolean;
  readonly memberships: readonly {
    organizationId: string;
    organizationName: string;
    role: Role;
    /** What the platform's operator published to the organization's members (platform/metadata.ts). */
    publicMetadata: Record<string, unknown>;
  }[];
}

/** Who the caller is, and every organization they belong to (that exists for readers), by name. */
export async function getMe(actor: AuthenticatedActor): Promise<Me> {
  requireScope(actor, "org:read", "read their profile", { whileUnverified: "allowed", whileEnrollingMfa: "allowed" });
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  const db = await database();
  const [memberships, user] = await Promise.all([
    visibleMembershipsOf(db, userId, undefined, { public_metadata: 1 }),
    db.users.findOne({ _id: userId }, { projection: { email_verified: 1 } }),
  ]);
  return {
    userId: actor.userId,
    email: actor.email,
    emailVerified: user?.email_verified === true,
    memberships: memberships.map(({ membership, organization }) => ({
      organizationId: organization._id.toHexString(),
      organizationName: organization.name,
      role: membership.role,
      publicMetadata: organization.public_metadata ?? {},
    })),
  };
}

/** One of the caller's organizations, as `GET /me/organizations` lists them. */
export interface MyOrganization {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly slug: string;
  readonly role: Role;
  /** The organization of the caller's token. */
  readonly current: boolean;
}

/**
 * `GET /me/organizations`: every organization the caller belongs to (that exists for readers, as
 * in {@link getMe}), by name, with their role in it and which one the token is for — what a client
 * offers to switch to (`POST /auth/switch`).
 */
export async function listMyOrganizations(actor: AuthenticatedActor): Promise<MyOrganization[]> {
  requireScope(actor, "org:read", "list their organizations");
  const userId = toObjectId(actor.userId);
  if (!userId) throw new UnauthenticatedError();
  const memberships = await visibleMembershipsOf(await database(), userId);
  return memberships.map(({ membership, organization }) => ({
    organizationId: organization._id.toHexString(),
    organizationName: organization.name,
    slug: organization.slug,
    role: membership.role,
    current: organization._id.toHexString() === actor.organizationId,
  }));
}
