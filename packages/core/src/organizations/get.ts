import { database } from "../db/client";
import { organizationNameSchema, parseInput } from "../validation";
import {
  adminEmailOf,
  findOrganizationDocument,
  toOrganization,
  type Actor,
  type Organization,
  type OrganizationWithAdmin,
} from "./model";

/**
 * Public lookup by name. The admin's email is private: it is added only when the caller is that
 * organization's admin (`viewer` comes from a verified token). Authentication has just read the
 * admin record, so its email is used when given rather than read a second time.
 */
export async function getOrganization(
  name: string,
  viewer?: Actor & { readonly email?: string },
): Promise<Organization | OrganizationWithAdmin> {
  const organizationName = parseInput(organizationNameSchema, name);
  const db = await database();
  const document = await findOrganizationDocument(db, organizationName);
  const organization = toOrganization(document);
  if (viewer?.organizationId !== organization.id) return organization;
  return { ...organization, adminEmail: viewer.email ?? (await adminEmailOf(db, document.admin_id)) };
}
