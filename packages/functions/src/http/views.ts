import type { Organization, OrganizationWithAdmin } from "@org-service/core";

/** An organization as the API shows it. `admin_email` only when the caller may see it. */
export function organizationView(organization: Organization | OrganizationWithAdmin) {
  return {
    organization_id: organization.id,
    organization_name: organization.name,
    collection_name: organization.collectionName,
    ...("adminEmail" in organization && { admin_email: organization.adminEmail }),
    created_at: organization.createdAt.toISOString(),
    updated_at: organization.updatedAt.toISOString(),
  };
}
