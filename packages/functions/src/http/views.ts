import type {
  AuditPage,
  DocumentPage,
  TenantIndex,
  TenantUsage,
  Invitation,
  IssuedInvitation,
  Me,
  Member,
  MemberPage,
  LoginResult,
  Organization,
  OrganizationWithAdmin,
  TenantCollection,
  UpdateResult,
} from "@org-service/core";
import type {
  AuditPageView,
  DocumentPageView,
  IndexView,
  UsageView,
  InvitationView,
  IssuedInvitationView,
  MemberPageView,
  MemberView,
  MeView,
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
    ...("role" in organization && organization.role && { role: organization.role }),
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
    user_id: result.userId,
    admin_id: result.userId,
    role: result.role,
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

export function meView(me: Me): MeView {
  return {
    user_id: me.userId,
    email: me.email,
    memberships: me.memberships.map((m) => ({
      organization_id: m.organizationId,
      organization_name: m.organizationName,
      role: m.role,
    })),
  };
}

export function memberView(member: Member): MemberView {
  return { user_id: member.userId, email: member.email, role: member.role, joined_at: member.joinedAt.toISOString() };
}

export function memberPageView(page: MemberPage): MemberPageView {
  return { members: page.members.map(memberView), ...(page.nextCursor && { next_cursor: page.nextCursor }) };
}

export function invitationView(invitation: Invitation): InvitationView {
  return {
    invitation_id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    created_at: invitation.createdAt.toISOString(),
    expires_at: invitation.expiresAt.toISOString(),
    invited_by: invitation.invitedBy,
  };
}

/** The token is in this answer and nowhere else, ever. */
export function issuedInvitationView(invitation: IssuedInvitation): IssuedInvitationView {
  return {
    ...invitationView(invitation),
    accept_url: invitation.acceptUrl,
    token: invitation.token,
    mail_sent: invitation.mailSent,
  };
}

export function documentPageView(page: DocumentPage): DocumentPageView {
  return { documents: [...page.documents], ...(page.nextCursor && { next_cursor: page.nextCursor }) };
}

export function indexView(index: TenantIndex): IndexView {
  return { name: index.name, keys: { ...index.keys }, unique: index.unique };
}

export function usageView(usage: TenantUsage): UsageView {
  return {
    document_count: usage.documentCount,
    data_bytes: usage.dataBytes,
    index_count: usage.indexCount,
    quotas: {
      max_documents: usage.quotas.maxDocuments,
      max_data_bytes: usage.quotas.maxDataBytes,
      max_indexes: usage.quotas.maxIndexes,
    },
  };
}
