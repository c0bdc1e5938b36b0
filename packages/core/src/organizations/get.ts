import { database } from "../db/client";
import { placementOf } from "../cells/placement";
import { policiesOf } from "../policies/model";
import { organizationNameSchema, parseInput } from "../validation";
import {
  adminEmailOf,
  findOrganizationDocument,
  publicOrganizationProjection,
  toOrganization,
  type Actor,
  type Organization,
  type OrganizationWithAdmin,
} from "./model";

/**
 * Public lookup by name. The admin's email (the earliest owner's) is private: it is added, with the
 * viewer's role, only when the caller is a member (`viewer` comes from a verified token); so are
 * the security policies, which members are held to — a member whose token only enrolls a second
 * factor sees them too, to learn why.
 */
export async function getOrganization(name: string, viewer?: Actor): Promise<Organization | OrganizationWithAdmin> {
  const organizationName = parseInput(organizationNameSchema, name);
  const db = await database();
  // Where its data lives is shown to members only: read for a viewer, not for everyone.
  const document = await findOrganizationDocument(
    db,
    organizationName,
    viewer
      ? { ...publicOrganizationProjection, placement: 1, public_metadata: 1, policies: 1 }
      : publicOrganizationProjection,
  );
  const organization = toOrganization(document);
  // An unverified member under REQUIRE_VERIFIED_EMAIL, and a machine client (data scopes only), see what anyone sees.
  if (viewer?.organizationId !== organization.id || viewer.emailUnverified || viewer.clientId) return organization;
  const { cell, tier } = placementOf(document);
  return {
    ...organization,
    adminEmail: await adminEmailOf(db, document._id),
    role: viewer.role,
    placement: { cell, tier },
    publicMetadata: document.public_metadata ?? {},
    policies: policiesOf(document),
  };
}
