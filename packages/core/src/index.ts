/**
 * The public surface of core: the operations, their inputs and results, the errors they raise,
 * and the configuration and lifecycle calls a host (a Lambda function, the local server, a
 * command) needs. Everything else is internal. Tests reach further through
 * `@org-service/core/testing`.
 *
 * Core's layers, lowest first. A module imports from its own layer (never in a cycle) and from
 * those below it, never from one above; `.dependency-cruiser.cjs` holds the same list as paths,
 * and test/layers.test.ts (in `pnpm test`) fails on any import that breaks it. A new module goes
 * in the lowest layer whose modules it needs, and is added to both lists.
 *
 * 0. Foundations — errors, config (and cell-config), logger, validation, context, slug, once,
 *    paging, random-secret, passwords, checkpoints, log-capture, audit-page, outbound/ (the
 *    SSRF-guarded request), auth/permissions.ts (the permission table: roles and scopes, free of
 *    imports but the errors so the route table and the stored documents can name a role). No I/O
 *    of the service's own; everything else builds on them.
 * 1. Storage — db/ (the connection, the documents' shapes, the migrations run on connect), cells/
 *    (the cells' clients, placement, capacity, copy), events/ (the change log: append, change,
 *    settle, but not actor.ts or feed.ts), mail/ (the mail port and its adapters), and the two
 *    records the connect-time migrations write: members/membership.ts, organizations/search.ts.
 *    What is stored and how it is reached, knowing nothing of who asks.
 * 2. Records and rules — organizations/model.ts (the organization record, the actor a token
 *    carries, the visible-record filter), organizations/lock.ts, members/visible-memberships.ts,
 *    audit.ts, policies/, domains/ (but joining.ts), sso/enforcement.ts and sso/refusal.ts: what
 *    an organization is and the rules it sets, read by every sign-in and every change.
 * 3. Identity — auth/ (tokens, keys, credential checks, authentication), sessions/, mfa/,
 *    clients/ (machine clients), account/ (a user's credentials, reset, email change),
 *    events/actor.ts: who is asking, built on the records and rules they are held to.
 * 4. Organizations and members — the rest of organizations/ (create, update, delete, login, the
 *    steps and their repair), members/, invitations/, domains/joining.ts, the rest of sso/
 *    (connections and sign-in), webhooks/, events/feed.ts: what members do to their
 *    organization, on behalf of an identity.
 * 5. Tenant data — data/: an organization's own documents, reached through its record.
 * 6. Operations across them — cells/move.ts and cells/list.ts (a move spans an organization and
 *    two cells), organizations/reconcile.ts (the sweep that finishes what crashes left, moves and
 *    exports included), platform/, archives/: the operator's work over every layer below.
 * 7. Entry points — this file and testing.ts: the package's surface, which nothing inside imports.
 */

// Operations
export {
  createOrganization,
  createOrganizationInputSchema,
  createOrganizationForUserInputSchema,
  type CreateOrganizationInput,
  type CreateOrganizationForUserInput,
} from "./organizations/create";
export { getOrganization } from "./organizations/get";
export {
  getSsoConnection,
  saveSsoConnection,
  changeSsoConnection,
  deleteSsoConnection,
  testSsoConnection,
  saveSsoConnectionInputSchema,
  changeSsoConnectionInputSchema,
  DEFAULT_SSO_SCOPES,
  type SsoConnection,
  type SsoConnectionTest,
  type SaveSsoConnectionInput,
  type ChangeSsoConnectionInput,
} from "./sso/connection";
export {
  startSsoLogin,
  completeSsoLogin,
  exchangeSsoHandoff,
  startSsoLoginInputSchema,
  exchangeSsoHandoffInputSchema,
  SsoLoginRefusedError,
  SSO_LOGIN_TTL_SECONDS,
  type StartedSsoLogin,
} from "./sso/login";
export {
  updateOrganization,
  updateOrganizationInputSchema,
  type UpdateOrganizationInput,
  type UpdateResult,
} from "./organizations/update";
export { deleteOrganization } from "./organizations/delete";
export { getTenantCollection, type TenantCollection } from "./organizations/collection";
export {
  insertDocument,
  getDocument,
  replaceDocument,
  patchDocument,
  deleteDocument,
  listDocuments,
  DOCUMENTS_PAGE_MAX,
  type StoredDocument,
  type DocumentQuery,
  type DocumentPage,
} from "./data/documents";
export {
  listIndexes,
  createIndex,
  dropIndex,
  type TenantIndex,
  type IndexInput,
  type TenantUsage,
} from "./data/indexes";
export { getUsage } from "./data/usage";
export { MAX_CONDITIONS, FILTER_OPERATORS } from "./data/filter";
export { MAX_DEPTH, DOCUMENT_ID_PATTERN } from "./data/rules";
export { login, loginInputSchema, type LoginInput, type LoginResult } from "./organizations/login";
export { refreshSession, refreshInputSchema, type RefreshInput } from "./sessions/refresh";
export {
  logout,
  listSessions,
  revokeSession,
  revokeOtherSessions,
  type SessionPage,
  type SessionSummary,
} from "./sessions/manage";
export { SESSIONS_PAGE_MAX } from "./sessions/page";
export type { IssuedSession } from "./sessions/session";
export {
  switchOrganization,
  switchOrganizationInputSchema,
  type SwitchOrganizationInput,
} from "./sessions/switch";
export {
  enrollTotp,
  verifyTotpEnrollment,
  disableTotp,
  disableTotpInputSchema,
  type DisableTotpInput,
  type TotpEnrollment,
} from "./mfa/totp";
export { recoveryCodeSchema, totpCodeSchema } from "./mfa/codes";
export {
  completeMfaLogin,
  completeMfaInputSchema,
  MFA_CHALLENGE_TTL_SECONDS,
  type CompleteMfaInput,
  type MfaRequired,
} from "./mfa/login";
export {
  requestPasswordReset,
  requestPasswordResetInputSchema,
  confirmPasswordReset,
  confirmPasswordResetInputSchema,
  type RequestPasswordResetInput,
  type ConfirmPasswordResetInput,
} from "./account/password-reset";
export {
  verifyEmail,
  verifyEmailInputSchema,
  resendEmailVerification,
  type VerifyEmailInput,
} from "./account/email-verification";
export {
  confirmEmailChange,
  confirmEmailChangeInputSchema,
  type ConfirmEmailChangeInput,
  type ConfirmedEmailChange,
  type PendingEmailChange,
} from "./account/email-change";
export { clientCredentialsGrant, type ClientToken, type TokenRequest } from "./clients/grant";
export {
  createOrganizationClient,
  createOrganizationClientInputSchema,
  createPlatformClient,
  listOrganizationClients,
  addClientSecret,
  deleteClientSecret,
  revokeOrganizationClient,
  deleteClient,
  type ClientSummary,
  type CreatedClient,
  type IssuedSecret,
  type CreateOrganizationClientInput,
} from "./clients/manage";
export {
  authenticatePlatform,
  requirePlatformScope,
  type PlatformActor,
} from "./clients/authenticate";
export {
  patchOrganizationMetadata,
  METADATA_MAX_BYTES,
  type MetadataPatch,
  type OrganizationMetadata,
} from "./platform/metadata";
export {
  suspendOrganization,
  reactivateOrganization,
  suspendInputSchema,
  type SuspendInput,
  type SuspensionState,
} from "./platform/suspension";
export { listAudit, type AuditEntry, type AuditPage } from "./audit";
export { AUDIT_PAGE_MAX } from "./audit-page";
export { reconcile, type ReconcileReport } from "./organizations/reconcile";
export {
  moveTenant,
  continueMove,
  undoMove,
  moveInputSchema,
  type MoveInput,
  type MoveOptions,
  type MoveStatus,
} from "./cells/move";
export { listCells, type CellListing, type CellTenant } from "./cells/list";
export {
  listOrganizations,
  getPlatformOrganization,
  deletePlatformOrganization,
  startPlatformMove,
  getPlatformMove,
  listOrganizationsInputSchema,
  startMoveInputSchema,
  PLATFORM_MOVE_BUDGET_MS,
  type ListOrganizationsInput,
  type StartMoveInput,
  type PlatformOrganization,
  type PlatformOrganizationPage,
  type PlatformOrganizationDetail,
  type PlatformMove,
} from "./platform/organizations";
export { PLATFORM_PAGE_MAX } from "./platform/page";
export { listPlatformClients, revokePlatformClient } from "./platform/clients";
export { checkInvariants } from "./organizations/invariants";
export { authenticate, authenticateOptionally } from "./auth/authenticate";
export {
  type Member,
  type MemberPage,
  listMembers,
  changeMemberRole,
  removeMember,
  roleSchema,
} from "./members/members";
export { MEMBERS_PAGE_MAX } from "./members/page";
export { getMe, listMyOrganizations, type Me, type MyOrganization } from "./members/me";
export {
  inviteMember,
  inviteInputSchema,
  type InviteInput,
  type Invitation,
  type IssuedInvitation,
} from "./invitations/invite";
export { listInvitations, type InvitationPage } from "./invitations/list";
export { INVITATIONS_PAGE_MAX } from "./invitations/page";
export { revokeInvitation } from "./invitations/revoke";
export { acceptInvitation, acceptInputSchema, type AcceptInput } from "./invitations/accept";
// Verified email domains, and joining by domain (domains/)
export { verifiedDomainOwner, verifiedDomainsOf } from "./domains/verified";
export {
  listDomains,
  claimDomain,
  verifyDomain,
  setDomainJoinMode,
  releaseDomain,
  claimDomainInputSchema,
  joinModeInputSchema,
  joinModeSchema,
  JOIN_MODES,
  MAX_DOMAIN_CLAIMS,
  type DomainClaim,
  type ClaimDomainInput,
  type JoinModeInput,
} from "./domains/claims";
export { emailDomain } from "./domains/email-domain";
export {
  normalizeDomain,
  domainSchema,
  recordNameOf,
  DOMAIN_MAX_LENGTH,
  VERIFICATION_RECORD_PREFIX,
} from "./domains/names";
export {
  listJoinableOrganizations,
  joinOrganization,
  listJoinRequests,
  approveJoinRequest,
  declineJoinRequest,
  JOIN_REQUESTS_PAGE_MAX,
  JOIN_REQUEST_STATES,
  type JoinableOrganization,
  type JoinRequest,
  type JoinRequestPage,
  type JoinRequestState,
  type JoinedMembership,
  type JoinOutcome,
} from "./domains/joining";
export { RECHECK_INTERVAL_MS, UNVERIFY_AFTER_FAILURES } from "./domains/recheck";
export { updateOrganizationPolicies } from "./policies/update";
export {
  policiesPatchInputSchema,
  requireMfaSchema,
  minPasswordLengthSchema,
  invitationDomainsSchema,
  INVITATION_DOMAINS_MAX,
  type PoliciesPatchInput,
} from "./policies/schemas";
export type { OrganizationPolicies } from "./policies/model";
export {
  PERMISSIONS,
  ROLES,
  SCOPES,
  ORGANIZATION_CLIENT_SCOPES,
  PLATFORM_SCOPES,
  MFA_ENROLLMENT_SCOPES,
  type Role,
  type Scope,
} from "./auth/permissions";
export { openIdConfiguration, jsonWebKeySet } from "./auth/discovery";
export type { Organization, OrganizationWithAdmin, Actor, AuthenticatedActor } from "./organizations/model";
export type { RequestContext } from "./context";

// Input rules, shared with the HTTP request schemas
export {
  organizationNameSchema,
  emailSchema,
  passwordSchema,
  presentedTokenSchema,
  PASSWORD_MIN_BYTES,
  PASSWORD_MAX_BYTES,
  hasControlCharacter,
  parseInput,
  atLeastOneOf,
} from "./validation";

// Errors
export {
  DomainError,
  ValidationError,
  NotFoundError,
  ConflictError,
  InvalidCredentialsError,
  ForbiddenError,
  GoneError,
  EmailNotVerifiedError,
  MfaEnrollmentRequiredError,
  PasswordChangeRequiredError,
  OAuthError,
  OrganizationSuspendedError,
  InvalidGrantError,
  OrganizationChoiceRequiredError,
  ConfigurationError,
  describeConfigurationIssue,
  type ConfigurationIssue,
  UnauthenticatedError,
  TooManyAttemptsError,
  TooLargeError,
  QuotaExceededError,
  NoCapacityError,
  TenantMovingError,
  UpstreamUnavailableError,
  SsoRequiredError,
  type FieldIssue,
} from "./errors";
export { isDatabaseUnavailableError } from "./db/mongo-errors";

// Configuration and lifecycle
export {
  config,
  parseConfig,
  resetConfig,
  CONFIGURATION_VARIABLES,
  SECRET_VARIABLES,
  type Config,
} from "./config";
export type { CellConfig } from "./cell-config";
export { closeDatabase, pingDatabase } from "./db/client";
export {
  EVENT_TYPES,
  EVENTS_PAGE_MAX,
  isEventType,
  type EventType,
  type EventActor,
  type ServiceEvent,
} from "./events/types";
export { listOrganizationEvents, listPlatformEvents, type FeedOptions, type FeedPage } from "./events/feed";
export { onEventsAppended, type EventsListener } from "./events/signal";
export { dispatchEvents, type DispatchReport, type DispatchOptions } from "./webhooks/dispatch";
export { organizationWebhooks, platformWebhooks, type WebhookOwner } from "./webhooks/owner";
export {
  createWebhook,
  listWebhooks,
  updateWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  type WebhookEndpoint,
  type CreatedWebhook,
} from "./webhooks/endpoints";
export {
  listWebhookMessages,
  resendWebhookMessage,
  replayWebhook,
  WEBHOOK_LIST_MAX,
  type WebhookMessage,
  type WebhookAttempt,
} from "./webhooks/messages";
export {
  webhookCreateSchema,
  webhookUpdateSchema,
  webhookReplaySchema,
} from "./webhooks/schemas";

// Per-organization export and restore (archives/)
export {
  startOwnExport,
  startPlatformExport,
  getOwnExport,
  getPlatformExport,
  listOwnExports,
  listPlatformExports,
  runExport,
  exportOrganization,
  exportsInProcessSettled,
  ARCHIVE_RETENTION_DAYS,
  type ExportStatus,
  type ExportState,
} from "./archives/exports";
export { onExportRequested, type ExportListener } from "./archives/signal";
export { writeArchive, type WrittenArchive } from "./archives/write";
export { openArchive, type OpenedArchive } from "./archives/read";
export {
  restoreOrganization,
  restorePlatformOrganization,
  restoreArchive,
  restoreOptionsSchema,
  unpackLimit,
  type ArchiveSource,
  type RestoreOptions,
  type RestoredOrganization,
} from "./archives/restore";
export {
  archiveStore,
  openDownload,
  removeTemporaryArchives,
  LOCAL_DOWNLOAD_PATH,
  DOWNLOAD_LINK_SECONDS,
} from "./archives/store";
export { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type Manifest } from "./archives/format";
