import type {
  AuditPage,
  LoginResult,
  Organization,
  OrganizationWithAdmin,
  TenantCollection,
  UpdateResult,
} from "@org-service/core";
import type {
  AuditPageView,
  DeleteResultView,
  LoginResultView,
  OrganizationView,
  TenantCollectionView,
  UpdateResultView,
} from "./response-schemas";

/** An organization as the API shows it. `admin_email` only when the caller may see it. */
export function organizationView(organization: Organization | OrganizationWithAdmin): OrganizationView {
  return {
    organization_id: organization.id,
    organization_name: organization.name,
    collection_name: organization.collectionName,
    ...("adminEmail" in organization && { admin_email: organization.adminEmail }),
    created_at: organization.createdAt.toISOString(),
    updated_at: organization.updatedAt.toISOString(),
  };
}

export function tenantCollectionView(collection: TenantCollection): TenantCollectionView {
  return {
    organization_id: collection.organizationId,
    organization_name: collection.organizationName,
    collection_name: collection.collectionName,
    document_count: collection.documentCount,
  };
}

export function loginResultView(result: LoginResult): LoginResultView {
  return {
    access_token: result.accessToken,
    token_type: "Bearer",
    expires_in: result.expiresIn,
    admin_id: result.adminId,
    organization_id: result.organization.id,
    organization_name: result.organization.name,
  };
}

/** A credential change revokes the caller's token; the answer carries its replacement. */
export function updateResultView({ organization, token }: UpdateResult): UpdateResultView {
  return {
    ...organizationView(organization),
    ...(token && { access_token: token.accessToken, token_type: "Bearer" as const, expires_in: token.expiresIn }),
  };
}

export function deleteResultView(organizationName: string): DeleteResultView {
  return { deleted: true, organization_name: organizationName };
}

/** A page of the audit log, newest first; absent fields stay absent. */
export function auditPageView(page: AuditPage): AuditPageView {
  return {
    entries: page.entries.map((entry) => ({
      id: entry.id,
      action: entry.action,
      at: entry.at.toISOString(),
      ...(entry.adminId && { admin_id: entry.adminId }),
      ...(entry.email && { email: entry.email }),
      ...(entry.sourceIp && { source_ip: entry.sourceIp }),
      ...(entry.requestId && { request_id: entry.requestId }),
      ...(entry.details && { details: entry.details }),
    })),
    ...(page.nextCursor && { next_cursor: page.nextCursor }),
  };
}
