import type {
  IssuedSession,
  MfaRequired,
  SessionPage,
  SessionSummary,
  TotpEnrollment,
  AuditPage,
  DocumentPage,
  TenantIndex,
  TenantUsage,
  Invitation,
  IssuedInvitation,
  Me,
  MyOrganization,
  Member,
  MemberPage,
  LoginResult,
  Organization,
  OrganizationWithAdmin,
  TenantCollection,
  UpdateResult,
  ConfirmedEmailChange,
  PendingEmailChange,
  ClientSummary,
  CreatedClient,
  IssuedSecret,
  PlatformMove,
  PlatformOrganization,
  PlatformOrganizationDetail,
  PlatformOrganizationPage,
  SuspensionState,
  FeedPage,
  WebhookEndpoint,
  CreatedWebhook,
  WebhookMessage,
  ExportStatus,
  RestoredOrganization,
  OrganizationPolicies,
} from "@org-service/core";
import type {
  ExportView,
  RestoredOrganizationView,
  LoginAnswerView,
  SessionListView,
  SessionTokensView,
  SessionView,
  TotpEnrollmentView,
  AuditPageView,
  DocumentPageView,
  IndexView,
  UsageView,
  InvitationView,
  IssuedInvitationView,
  MemberPageView,
  MemberView,
  MeView,
  MyOrganizationsView,
  DeleteResultView,
  LoginResultView,
  OrganizationView,
  OrganizationPoliciesView,
  TenantCollectionView,
  UpdateResultView,
  EmailChangedView,
  PendingEmailView,
  ClientView,
  CreatedClientView,
  IssuedSecretView,
  PlatformMoveView,
  PlatformOrganizationDeletedView,
  PlatformOrganizationDetailView,
  PlatformOrganizationPageView,
  PlatformOrganizationView,
  SuspensionView,
  EventPageView,
  WebhookView,
  CreatedWebhookView,
  WebhookMessagePageView,
} from "./response-schemas";

/** An organization as the API shows it. `admin_email` only when the caller may see it. */
export function organizationView(organization: Organization | OrganizationWithAdmin): OrganizationView {
  return {
    organization_id: organization.id,
    organization_name: organization.name,
    collection_name: organization.collectionName,
    ...("adminEmail" in organization && { admin_email: organization.adminEmail }),
    ...("role" in organization && organization.role && { role: organization.role }),
    ...("placement" in organization && organization.placement && { placement: organization.placement }),
    ...("publicMetadata" in organization &&
      organization.publicMetadata && { public_metadata: organization.publicMetadata }),
    ...("policies" in organization && organization.policies && { policies: policiesView(organization.policies) }),
    created_at: organization.createdAt.toISOString(),
    updated_at: organization.updatedAt.toISOString(),
  };
}

/** An organization's security policies, as `PATCH /org/policies` answers them and members see them. */
export function policiesView(policies: OrganizationPolicies): OrganizationPoliciesView {
  return {
    require_mfa: policies.requireMfa,
    min_password_length: policies.minPasswordLength,
    invitation_domains: [...policies.invitationDomains],
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

/** A session's tokens: what a refresh answers, and every login besides its own fields. */
export function sessionTokensView(session: IssuedSession): SessionTokensView {
  return {
    access_token: session.accessToken,
    token_type: "Bearer",
    expires_in: session.expiresIn,
    refresh_token: session.refreshToken,
    refresh_expires_in: session.refreshExpiresIn,
    session_id: session.sessionId,
    ...(session.mfaEnrollmentRequired && { mfa_enrollment_required: true as const }),
  };
}

export function loginResultView(result: LoginResult): LoginResultView {
  return {
    ...sessionTokensView(result),
    user_id: result.userId,
    admin_id: result.userId,
    role: result.role,
    organization_id: result.organization.id,
    organization_name: result.organization.name,
  };
}

/** With two-factor login on, the password's answer is the code step. */
export function loginAnswerView(result: LoginResult | MfaRequired): LoginAnswerView {
  if ("mfaRequired" in result) {
    return { mfa_required: true, mfa_token: result.mfaToken, expires_in: result.expiresIn };
  }
  return loginResultView(result);
}

/** A credential change ends the caller's session with the others; the answer carries the tokens of its continuation. */
export function updateResultView({ organization, session, pendingEmail }: UpdateResult): UpdateResultView {
  return {
    ...organizationView(organization),
    ...(pendingEmail && { pending_email: pendingEmailView(pendingEmail) }),
    ...(session && sessionTokensView(session)),
  };
}

export function pendingEmailView(pending: PendingEmailChange): PendingEmailView {
  return { email: pending.email, expires_at: pending.expiresAt.toISOString(), mail_sent: pending.mailSent };
}

export function emailChangedView({ email, session }: ConfirmedEmailChange): EmailChangedView {
  return { email, email_verified: true, ...(session && sessionTokensView(session)) };
}

export function sessionView(session: SessionSummary): SessionView {
  return {
    session_id: session.sessionId,
    organization_id: session.organizationId,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    idle_expires_at: session.idleExpiresAt.toISOString(),
    ...(session.sourceIp && { source_ip: session.sourceIp }),
    ...(session.userAgent && { user_agent: session.userAgent }),
    mfa: session.mfa,
    current: session.current,
  };
}

export function sessionListView(page: SessionPage): SessionListView {
  return { sessions: page.sessions.map(sessionView), ...(page.nextCursor && { next_cursor: page.nextCursor }) };
}

export function totpEnrollmentView(enrollment: TotpEnrollment): TotpEnrollmentView {
  return { secret: enrollment.secret, otpauth_url: enrollment.otpauthUrl, qr_svg: enrollment.qrSvg };
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
      ...(entry.userId && { admin_id: entry.userId }),
      ...(entry.clientId && { client_id: entry.clientId }),
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
    email_verified: me.emailVerified,
    memberships: me.memberships.map((m) => ({
      organization_id: m.organizationId,
      organization_name: m.organizationName,
      role: m.role,
      public_metadata: m.publicMetadata,
    })),
  };
}

export function myOrganizationsView(organizations: readonly MyOrganization[]): MyOrganizationsView {
  return {
    organizations: organizations.map((organization) => ({
      organization_id: organization.organizationId,
      organization_name: organization.organizationName,
      slug: organization.slug,
      role: organization.role,
      current: organization.current,
    })),
  };
}

export function memberView(member: Member): MemberView {
  return {
    user_id: member.userId,
    email: member.email,
    role: member.role,
    joined_at: member.joinedAt.toISOString(),
    ...(member.emailVerified !== undefined && { email_verified: member.emailVerified }),
  };
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

/**
 * Where no mail transport reaches the invitee alone, the token is in this answer and nowhere else,
 * ever; where one does, it is in the mail and nowhere else.
 */
export function issuedInvitationView(invitation: IssuedInvitation): IssuedInvitationView {
  return {
    ...invitationView(invitation),
    ...(invitation.acceptUrl !== undefined && { accept_url: invitation.acceptUrl }),
    ...(invitation.token !== undefined && { token: invitation.token }),
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

export function clientView(client: ClientSummary): ClientView {
  return {
    client_id: client.clientId,
    name: client.name,
    scopes: [...client.scopes],
    created_at: client.createdAt.toISOString(),
    secrets: client.secrets.map((secret) => ({
      secret_id: secret.secretId,
      prefix: secret.prefix,
      created_at: secret.createdAt.toISOString(),
      ...(secret.lastUsedAt && { last_used_at: secret.lastUsedAt.toISOString() }),
    })),
  };
}

export function issuedSecretView(secret: IssuedSecret): IssuedSecretView {
  return {
    secret_id: secret.secretId,
    client_secret: secret.secret,
    prefix: secret.prefix,
    created_at: secret.createdAt.toISOString(),
  };
}

export function createdClientView(client: CreatedClient): CreatedClientView {
  return { ...clientView(client), ...issuedSecretView(client.secret) };
}

export function platformOrganizationView(organization: PlatformOrganization): PlatformOrganizationView {
  return {
    organization_id: organization.id,
    organization_name: organization.name,
    slug: organization.slug,
    created_at: organization.createdAt.toISOString(),
    member_count: organization.memberCount,
    placement: { cell: organization.placement.cell, tier: organization.placement.tier },
    status: organization.status,
    public_metadata: organization.publicMetadata,
    private_metadata: organization.privateMetadata,
    ...(organization.suspension && {
      suspension: { reason: organization.suspension.reason, suspended_at: organization.suspension.at.toISOString() },
    }),
  };
}

export function suspensionView(state: SuspensionState): SuspensionView {
  return {
    organization_id: state.organizationId,
    status: state.suspended ? "suspended" : "active",
    ...(state.reason !== undefined && { reason: state.reason }),
    ...(state.suspendedAt && { suspended_at: state.suspendedAt.toISOString() }),
  };
}

export function platformOrganizationPageView(page: PlatformOrganizationPage): PlatformOrganizationPageView {
  return {
    organizations: page.organizations.map(platformOrganizationView),
    ...(page.nextCursor && { next_cursor: page.nextCursor }),
  };
}

export function platformOrganizationDetailView(
  organization: PlatformOrganizationDetail,
): PlatformOrganizationDetailView {
  return {
    ...platformOrganizationView(organization),
    usage: usageView(organization.usage),
    owners: organization.owners.map((owner) => ({ user_id: owner.userId, email: owner.email })),
  };
}

export function platformMoveView(move: PlatformMove): PlatformMoveView {
  return {
    organization_id: move.organizationId,
    organization_name: move.organizationName,
    step: move.step,
    finished: move.step === "done" || move.step === "undone",
    from: { cell: move.from.cell, tier: move.from.tier },
    to: { cell: move.to.cell, tier: move.to.tier },
    ...(move.copied !== undefined && { copied: move.copied }),
  };
}

export function platformOrganizationDeletedView(deleted: {
  id: string;
  name: string;
}): PlatformOrganizationDeletedView {
  return { deleted: true, organization_id: deleted.id, organization_name: deleted.name };
}

/** A feed page: the events are already in their wire form (the same as webhooks and EventBridge carry). */
export function eventPageView(page: FeedPage): EventPageView {
  return {
    events: page.events.map((event) => ({ ...event, data: { ...event.data } })),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

export function webhookView(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    event_types: [...endpoint.eventTypes],
    ...(endpoint.description !== undefined && { description: endpoint.description }),
    ...(endpoint.organizationIds && { organization_ids: [...endpoint.organizationIds] }),
    enabled: endpoint.enabled,
    ...(endpoint.disabledReason && { disabled_reason: endpoint.disabledReason }),
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}

export function createdWebhookView(endpoint: CreatedWebhook): CreatedWebhookView {
  return { ...webhookView(endpoint), secret: endpoint.secret };
}

export function webhookMessagePageView(page: {
  messages: readonly WebhookMessage[];
  nextCursor?: string;
}): WebhookMessagePageView {
  return {
    messages: page.messages.map((message) => ({
      id: message.id,
      event_id: message.eventId,
      state: message.state,
      attempts: message.attempts.map((attempt) => ({
        number: attempt.number,
        at: attempt.at.toISOString(),
        state: attempt.state,
        ...(attempt.responseStatus !== undefined && { response_status: attempt.responseStatus }),
        ...(attempt.responseBody !== undefined && { response_body: attempt.responseBody }),
        ...(attempt.error !== undefined && { error: attempt.error }),
        ...(attempt.durationMs !== undefined && { duration_ms: attempt.durationMs }),
      })),
      ...(message.nextAttemptAt && { next_attempt_at: message.nextAttemptAt.toISOString() }),
      created_at: message.createdAt.toISOString(),
    })),
    ...(page.nextCursor && { next_cursor: page.nextCursor }),
  };
}

export function exportView(status: ExportStatus): ExportView {
  return {
    id: status.id,
    organization_id: status.organizationId,
    state: status.state,
    created_at: status.createdAt.toISOString(),
    ...(status.finishedAt && { finished_at: status.finishedAt.toISOString() }),
    documents_exported: status.documentsExported,
    documents_total: status.documentsTotal,
    private_metadata: status.privateMetadata,
    ...(status.archive && {
      archive: {
        bytes: status.archive.bytes,
        sha256: status.archive.sha256,
        expires_at: status.archive.expiresAt.toISOString(),
        counts: { ...status.archive.counts },
      },
    }),
    ...(status.download && {
      download_url: status.download.url,
      download_expires_at: status.download.expiresAt.toISOString(),
    }),
    ...(status.failure && { failure: status.failure }),
  };
}

export function restoredOrganizationView(restored: RestoredOrganization): RestoredOrganizationView {
  return {
    organization_id: restored.id,
    organization_name: restored.name,
    slug: restored.slug,
    original_id: restored.originalId,
    documents: restored.documents,
    indexes: restored.indexes,
    signed: restored.signed,
    members: restored.members.map(({ email, role, account }) => ({
      email,
      role: role as RestoredOrganizationView["members"][number]["role"],
      account,
    })),
  };
}
