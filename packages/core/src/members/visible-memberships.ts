import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";
import type { MembershipDocument, OrganizationDocument } from "../db/documents";
import { oneOf } from "../db/one-of";
import { organizationProjection, VISIBLE } from "../organizations/model";
import { slugify } from "../slug";

/** One of a user's memberships, with its organization. */
export interface VisibleMembership {
  readonly membership: MembershipDocument;
  readonly organization: OrganizationDocument;
}

/**
 * A user's memberships of organizations that exist for readers (half-created or mid-deletion ones
 * do not), sorted by organization name; with `organizationName`, only the one of that name (by
 * slug), if the user is its member. Always the same two reads, whether the named organization
 * exists or not, so neither the answer nor its timing tells the two apart: what `GET /me`, a
 * login and a switch of organization read.
 */
export async function visibleMembershipsOf(
  db: Database,
  userId: ObjectId,
  organizationName?: string,
  /** Fields besides the organization's usual ones (its public metadata, for `GET /me`). */
  alsoRead: Readonly<Partial<Record<keyof OrganizationDocument, 1>>> = {},
): Promise<VisibleMembership[]> {
  const memberships = await db.memberships.find({ user_id: userId }).toArray();
  if (memberships.length === 0) return [];
  const organizations = await db.organizations
    .find(
      {
        _id: oneOf(memberships.map((membership) => membership.organization_id)),
        ...(organizationName !== undefined && { slug: slugify(organizationName) }),
        ...VISIBLE,
      },
      { projection: { ...organizationProjection, ...alsoRead } },
    )
    .sort({ name: 1 })
    .toArray();
  return organizations.map((organization) => ({
    organization,
    membership: memberships.find((membership) => membership.organization_id.equals(organization._id))!,
  }));
}
