import {
  acceptInvitation,
  approveJoinRequest,
  claimDomain,
  declineJoinRequest,
  joinOrganization,
  listDomains,
  listJoinableOrganizations,
  listJoinRequests,
  releaseDomain,
  setDomainJoinMode,
  verifyDomain,
  getSsoConnection,
  saveSsoConnection,
  changeSsoConnection,
  testSsoConnection,
  deleteSsoConnection,
  authenticate,
  changeMemberRole,
  createIndex,
  config,
  createOrganization,
  deleteDocument,
  deleteOrganization,
  deletePlatformOrganization,
  disableTotp,
  dropIndex,
  enrollTotp,
  ForbiddenError,
  getDocument,
  getMe,
  getPlatformMove,
  getPlatformOrganization,
  getTenantCollection,
  getUsage,
  insertDocument,
  inviteMember,
  listAudit,
  listDocuments,
  listIndexes,
  listInvitations,
  listMembers,
  listMyOrganizations,
  listOrganizations,
  listSessions,
  logout,
  patchDocument,
  PERMISSIONS,
  PLATFORM_SCOPES,
  removeMember,
  suspendOrganization,
  patchOrganizationMetadata,
  reactivateOrganization,
  resendEmailVerification,
  createOrganizationClient,
  listOrganizationClients,
  addClientSecret,
  deleteClientSecret,
  revokeOrganizationClient,
  replaceDocument,
  revokeInvitation,
  revokeOtherSessions,
  revokeSession,
  ROLES,
  SCOPES,
  startPlatformMove,
  switchOrganization,
  updateOrganization,
  updateOrganizationPolicies,
  verifyTotpEnrollment,
  listOrganizationEvents,
  listPlatformEvents,
  startOwnExport,
  onExportRequested,
  listOwnExports,
  getOwnExport,
  startPlatformExport,
  listPlatformExports,
  getPlatformExport,
  restorePlatformOrganization,
  organizationWebhooks,
  platformWebhooks,
  createWebhook,
  listWebhooks,
  updateWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  listWebhookMessages,
  resendWebhookMessage,
  replayWebhook,
  type WebhookOwner,
  type AuthenticatedActor,
  type PlatformActor,
  type Role,
  type Scope,
} from "@org-service/core";
import { inviteShown, loginWithPassword, useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { routes } from "../src/routes";

/**
 * Every protected route's scope is checked in core as well as by API Gateway's authorizer: each
 * route's operation, called directly with an actor that lacks the route's scope — by its role, or
 * by its token's scopes alone — is refused with ForbiddenError. A protected route without an entry
 * below fails the first test, so a new operation cannot ship without being tried here.
 *
 * The platform routes (`/platform/*`) take a platform client, not a member: their operations are
 * called with a platform actor whose token lacks the route's scope (no role holds a platform scope,
 * so there is no role to try).
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  onExportRequested(undefined);
  await databases.drop();
});

const PASSWORD = "password-123";

interface Fixture {
  readonly organizationName: string;
  /** A member to change or remove, and a pending invitation to revoke. */
  readonly memberId: string;
  readonly invitationId: string;
  /** Organizations of their own for the platform operations: one to read and move, one to delete. */
  readonly platformOrganizationId: string;
  readonly platformDeleteId: string;
}

type Operation = (actor: AuthenticatedActor, fixture: Fixture) => Promise<unknown>;

/** Each protected route's handler, as the core operation it calls, with valid input. */
const operations: Record<string, Operation> = {
  "update-organization": (actor, { organizationName }) =>
    updateOrganization(actor, { organizationName, password: "another-password-1", currentPassword: PASSWORD }),
  "delete-organization": (actor, { organizationName }) => deleteOrganization(actor, organizationName),
  // What the organization had already: past the scope check, nothing to change.
  "update-organization-policies": (actor) => updateOrganizationPolicies(actor, { requireMfa: false }),
  "organization-audit": (actor) => listAudit(actor),
  "organization-collection": (actor) => getTenantCollection(actor),
  "organization-usage": (actor) => getUsage(actor),
  "insert-document": (actor) => insertDocument(actor, { title: "scoped" }),
  "list-documents": (actor) => listDocuments(actor),
  "get-document": (actor) => getDocument(actor, "doc-1"),
  "replace-document": (actor) => replaceDocument(actor, "doc-1", { title: "replaced" }),
  "patch-document": (actor) => patchDocument(actor, "doc-1", { $set: { title: "patched" } }),
  "delete-document": (actor) => deleteDocument(actor, "doc-1"),
  "list-indexes": (actor) => listIndexes(actor),
  "create-index": (actor) => createIndex(actor, { keys: { title: 1 } }),
  "drop-index": (actor) => dropIndex(actor, "title_1"),
  me: (actor) => getMe(actor),
  "list-my-organizations": (actor) => listMyOrganizations(actor),
  "list-members": (actor) => listMembers(actor),
  "change-member-role": (actor, { memberId }) => changeMemberRole(actor, memberId, "admin"),
  "remove-member": (actor, { memberId }) => removeMember(actor, memberId),
  "invite-member": (actor) => inviteMember(actor, { email: `scoped.${Date.now()}@scopes.example`, role: "member" }),
  "list-invitations": (actor) => listInvitations(actor),
  "revoke-invitation": (actor, { invitationId }) => revokeInvitation(actor, invitationId),
  logout: (actor) => logout(actor),
  "switch-organization": (actor, { organizationName }) => switchOrganization(actor, { organizationName }),
  "resend-email-verification": (actor) => resendEmailVerification(actor),
  "create-client": (actor) => createOrganizationClient(actor, { name: "scoped", scopes: ["data:read"] }),
  "list-clients": (actor) => listOrganizationClients(actor),
  // Single sign-on: refused before any provider is reached; a valid call from an owner fails later
  // for want of a connection or of a reachable issuer, never for a scope.
  "get-sso-connection": (actor) => getSsoConnection(actor),
  "save-sso-connection": (actor) =>
    saveSsoConnection(actor, { issuer: "https://idp.invalid", clientId: "client", clientSecret: "secret" }),
  "change-sso-connection": (actor) => changeSsoConnection(actor, { enabled: false }),
  "test-sso-connection": (actor) => testSsoConnection(actor),
  "delete-sso-connection": (actor) => deleteSsoConnection(actor),
  // Unknown ids: past the scope check they answer 404, which is not a refusal.
  "add-client-secret": (actor) => addClientSecret(actor, "oc_000000000000000000000000"),
  "delete-client-secret": (actor) => deleteClientSecret(actor, "oc_000000000000000000000000", "sec_0000000000000000"),
  "revoke-client": (actor) => revokeOrganizationClient(actor, "oc_000000000000000000000000"),
  "list-sessions": (actor) => listSessions(actor),
  "revoke-other-sessions": (actor) => revokeOtherSessions(actor),
  "revoke-session": (actor) => revokeSession(actor, actor.sessionId),
  "enroll-totp": (actor) => enrollTotp(actor),
  "verify-totp": (actor) => verifyTotpEnrollment(actor, { code: "123456" }),
  "disable-totp": (actor) => disableTotp(actor, { password: PASSWORD }),
  "list-organization-events": (actor) => listOrganizationEvents(actor),
  // Unknown ids, and an export that is refused (409) once one runs: past the scope check, which is not a refusal.
  "start-export": (actor) => startOwnExport(actor),
  "list-exports": (actor) => listOwnExports(actor),
  // Domains: a claim of a fresh domain each time; unclaimed domains and unknown requests answer 404
  // past the scope check (no DNS lookup is made); joining with an unverified email, 403 email-not-verified.
  "list-domains": (actor) => listDomains(actor),
  "claim-domain": (actor) =>
    claimDomain(actor, { domain: `scopes-${Date.now()}-${Math.random().toString(36).slice(2)}.example` }),
  "verify-domain": (actor) => verifyDomain(actor, "unclaimed.scopes.example"),
  "update-domain": (actor) => setDomainJoinMode(actor, "unclaimed.scopes.example", { joinMode: "auto-join" }),
  "release-domain": (actor) => releaseDomain(actor, "unclaimed.scopes.example"),
  "list-join-requests": (actor) => listJoinRequests(actor),
  "approve-join-request": (actor) => approveJoinRequest(actor, "0".repeat(24)),
  "decline-join-request": (actor) => declineJoinRequest(actor, "0".repeat(24)),
  "list-joinable-organizations": (actor) => listJoinableOrganizations(actor),
  "join-organization": (actor) => joinOrganization(actor, "0".repeat(24)),
  "get-export": (actor) => getOwnExport(actor, "0".repeat(24)),
  ...webhookOperations("", async (actor) => organizationWebhooks(actor as AuthenticatedActor)),
};

/**
 * The webhook operations of one owner: core checks the scope when the owner is made (an
 * organization's owners and admins, or a platform client with the route's scope). Unknown ids:
 * past the scope check they answer 404, which is not a refusal.
 */
function webhookOperations<A>(
  prefix: string,
  ownerOf: (actor: A, scope: "platform:read" | "platform:write") => Promise<WebhookOwner>,
) {
  const unknown = `we_${"0".repeat(24)}`;
  const endpoint = { url: "https://hooks.example.com/scopes", event_types: ["webhook.disabled" as const] };
  return {
    [`${prefix}create-webhook`]: async (actor: A) => createWebhook(await ownerOf(actor, "platform:write"), endpoint),
    [`${prefix}list-webhooks`]: async (actor: A) => listWebhooks(await ownerOf(actor, "platform:read")),
    [`${prefix}update-webhook`]: async (actor: A) =>
      updateWebhook(await ownerOf(actor, "platform:write"), unknown, { description: "x" }),
    [`${prefix}delete-webhook`]: async (actor: A) => deleteWebhook(await ownerOf(actor, "platform:write"), unknown),
    [`${prefix}rotate-webhook-secret`]: async (actor: A) =>
      rotateWebhookSecret(await ownerOf(actor, "platform:write"), unknown),
    [`${prefix}list-webhook-messages`]: async (actor: A) =>
      listWebhookMessages(await ownerOf(actor, "platform:read"), unknown),
    [`${prefix}resend-webhook-message`]: async (actor: A) =>
      resendWebhookMessage(await ownerOf(actor, "platform:write"), unknown, `evt_${"0".repeat(24)}`),
    [`${prefix}replay-webhook`]: async (actor: A) =>
      replayWebhook(await ownerOf(actor, "platform:write"), unknown, { since: "2026-01-01T00:00:00Z" }),
  };
}

type PlatformOperation = (actor: PlatformActor, fixture: Fixture) => Promise<unknown>;

/** Each platform route's handler, as the core operation it calls, with valid input. */
const platformOperations: Record<string, PlatformOperation> = {
  "platform-list-organizations": (actor) => listOrganizations(actor, { query: "Scopes" }),
  "platform-get-organization": (actor, { platformOrganizationId }) =>
    getPlatformOrganization(actor, platformOrganizationId),
  "platform-delete-organization": (actor, { platformDeleteId }) => deletePlatformOrganization(actor, platformDeleteId),
  "platform-start-move": (actor, { platformOrganizationId }) =>
    startPlatformMove(actor, platformOrganizationId, { cell: config().cells[0]!.name, tier: "silo" }, { budgetMs: 0 }),
  "platform-get-move": (actor, { platformOrganizationId }) => getPlatformMove(actor, platformOrganizationId),
  // Suspended and reactivated at once: the second leaves the fixture as it was.
  "platform-suspend-organization": (actor, { platformOrganizationId }) =>
    suspendOrganization(actor, platformOrganizationId, { reason: "scopes test" }),
  "platform-reactivate-organization": (actor, { platformOrganizationId }) =>
    reactivateOrganization(actor, platformOrganizationId),
  "platform-patch-metadata": (actor, { platformOrganizationId }) =>
    patchOrganizationMetadata(actor, platformOrganizationId, { publicMetadata: { plan: "scopes" } }),
  "platform-list-events": (actor) => listPlatformEvents(actor),
  "platform-start-export": (actor, { platformOrganizationId }) => startPlatformExport(actor, platformOrganizationId),
  "platform-list-exports": (actor, { platformOrganizationId }) => listPlatformExports(actor, platformOrganizationId),
  "platform-get-export": (actor, { platformOrganizationId }) =>
    getPlatformExport(actor, platformOrganizationId, "0".repeat(24)),
  // A kept export of that id there is not: past the scope check, a 404.
  "platform-restore-organization": (actor) => restorePlatformOrganization(actor, { exportId: "0".repeat(24) }, {}),
  ...webhookOperations("platform-", async (actor: PlatformActor, scope) => platformWebhooks(actor, scope)),
};

const isPlatformRoute = (route: { readonly scope?: Scope }) => route.scope?.startsWith("platform:") === true;
const platformActor = (scopes: readonly Scope[]): PlatformActor => ({ clientId: "pc_scopes_test", scopes });

const protectedRoutes = routes.filter((route) => route.auth === "jwt");

let fixture: Fixture;
const actors = new Map<Role, AuthenticatedActor>();

beforeAll(async () => {
  // Exports started here are only recorded: writing their archives is none of this test's business.
  onExportRequested(async () => undefined);
  const organizationName = `Scopes ${Date.now().toString(36)}`;
  const ownerEmail = `owner.${Date.now()}@scopes.example`;
  await createOrganization({ organizationName, email: ownerEmail, password: PASSWORD });
  const owner = await loginWithPassword({ email: ownerEmail, password: PASSWORD });
  const ownerActor = await authenticate(owner.accessToken);
  actors.set("owner", ownerActor);
  for (const role of ["admin", "member"] as const) {
    const email = `${role}.${Date.now()}@scopes.example`;
    const { token } = await inviteShown(ownerActor, { email, role });
    actors.set(role, await authenticate((await acceptInvitation({ token, password: PASSWORD })).accessToken));
  }
  const target = await inviteShown(ownerActor, { email: `target.${Date.now()}@scopes.example`, role: "member" });
  const member = await acceptInvitation({ token: target.token, password: PASSWORD });
  const pending = await inviteMember(ownerActor, { email: `pending.${Date.now()}@scopes.example`, role: "member" });
  const platformOrganizations: string[] = [];
  for (const purpose of ["read", "delete"]) {
    const name = `Scopes ${purpose} ${Date.now().toString(36)}`;
    const created = await createOrganization({
      organizationName: name,
      email: `${purpose}.${Date.now()}@scopes.example`,
      password: PASSWORD,
    });
    platformOrganizations.push(created.id);
  }
  fixture = {
    organizationName,
    memberId: member.userId,
    invitationId: pending.id,
    platformOrganizationId: platformOrganizations[0]!,
    platformDeleteId: platformOrganizations[1]!,
  };
});

describe("every protected operation checks its route's scope in core", () => {
  it("each protected route of the route table has its operation here, and each has a scope", () => {
    expect(protectedRoutes.length).toBeGreaterThan(0);
    for (const route of protectedRoutes) {
      expect(route.scope, `${route.method} ${route.path} names no scope`).toBeDefined();
      expect(
        isPlatformRoute(route) ? platformOperations : operations,
        `${route.method} ${route.path}: add its core operation to this test`,
      ).toHaveProperty(route.handler);
    }
    expect([...Object.keys(operations), ...Object.keys(platformOperations)].sort()).toEqual(
      [...new Set(protectedRoutes.map((r) => r.handler))].sort(),
    );
  });

  const cases = protectedRoutes
    .filter((route) => !isPlatformRoute(route))
    .flatMap((route) => {
      const scope = route.scope as Scope;
      const narrowed = { label: "an owner whose token lacks the scope", role: "owner" as Role, without: scope };
      const lacking = ROLES.filter((role) => !(PERMISSIONS[scope] as readonly Role[]).includes(role)).map((role) => ({
        label: `a ${role}, whose role lacks it`,
        role,
        without: undefined,
      }));
      return [narrowed, ...lacking].map((variant) => ({ route, scope, ...variant }));
    });

  it.each(cases)("$route.method $route.path ($scope): $label is refused", async ({ route, role, without }) => {
    const actor = actors.get(role)!;
    const scoped: AuthenticatedActor =
      without === undefined ? actor : { ...actor, scopes: SCOPES.filter((scope) => scope !== without) };
    const outcome = await operations[route.handler]!(scoped, fixture).then(
      () => "allowed",
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(ForbiddenError);
  });

  const platformCases = protectedRoutes
    .filter(isPlatformRoute)
    .map((route) => ({ route, scope: route.scope as Scope }));

  it.each(platformCases)(
    "$route.method $route.path ($scope): a platform client whose token lacks the scope is refused",
    async ({ route, scope }) => {
      const lacking = platformActor(PLATFORM_SCOPES.filter((granted) => granted !== scope));
      const outcome = await platformOperations[route.handler]!(lacking, fixture).then(
        () => "allowed",
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(ForbiddenError);
    },
  );

  it("the same operations with every scope of the owner's role are not refused (the refusals above are the scope's)", async () => {
    // Delete last: it ends the organization the others act on.
    const order = [...protectedRoutes].sort(
      (a, b) => Number(a.handler === "delete-organization") - Number(b.handler === "delete-organization"),
    );
    for (const route of order) {
      const operation = isPlatformRoute(route)
        ? platformOperations[route.handler]!(platformActor(PLATFORM_SCOPES), fixture)
        : operations[route.handler]!(actors.get("owner")!, fixture);
      const outcome = await operation.catch((error: unknown) => error);
      expect(outcome, `${route.method} ${route.path}`).not.toBeInstanceOf(ForbiddenError);
    }
  });
});
