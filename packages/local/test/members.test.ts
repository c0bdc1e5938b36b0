import { randomBytes } from "node:crypto";
import { ObjectId } from "mongodb";
import type { Role } from "@org-service/core";
import { database, mailedToken, startTestDnsServer, type TestDnsServer, totpCode } from "@org-service/core/testing";
import { routes } from "@org-service/functions/routes";
import { pages, paginate } from "@org-service/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousClient, loggedIn, refusal } from "./support/client";
import { byName, type HttpAnswer, httpClient } from "./support/http";
import { type ForgingProvider, startForgingProvider } from "./support/identity-provider";
import { useLocalServer } from "./support/local-server";

/** Members, roles and invitations over real HTTP: the local authorizer's scopes, then the functions' own checks. */
let dns: TestDnsServer;
const server = useLocalServer({
  prepare: async () => {
    // The single sign-on rows save a connection to a provider on a loopback port.
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    // The domain rows verify domains against the test's own DNS server.
    dns = await startTestDnsServer();
    process.env.DNS_SERVERS = dns.address;
  },
});
const call = httpClient(server.url);
let provider: ForgingProvider;
beforeAll(async () => {
  provider = await startForgingProvider();
});
afterAll(async () => {
  delete process.env.SSO_ALLOW_PRIVATE_ISSUERS;
  delete process.env.DNS_SERVERS;
  await provider?.close();
  await dns?.close();
});
/** Saves the organization's connection (as whoever `token` is: refused but to owners and admins), then `then`. */
const withConnection = async (token: string, then: () => Promise<HttpAnswer>) => {
  await call("PUT", "/org/sso", {
    token,
    json: { issuer: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret },
  });
  return then();
};
const PASSWORD = "password-123";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function login(email: string, password = PASSWORD, organizationName?: string): Promise<HttpAnswer> {
  return call("POST", "/admin/login", {
    json: { email, password, ...(organizationName && { organization_name: organizationName }) },
  });
}

async function tokenOf(email: string, organizationName?: string): Promise<string> {
  const answer = await login(email, PASSWORD, organizationName);
  expect(answer.status, answer.text).toBe(200);
  return answer.json.access_token as string;
}

/** Invite `email` as `role` with `inviter`'s token and accept it (a new account): the member's token. */
async function join(inviter: string, email: string, role: Role): Promise<{ token: string; userId: string }> {
  const invited = await call("POST", "/org/invitations", { token: inviter, json: { email, role } });
  expect(invited.status, invited.text).toBe(201);
  const accepted = await call("POST", "/invitations/accept", {
    json: { token: invited.json.token, password: PASSWORD },
  });
  expect(accepted.status, accepted.text).toBe(200);
  return { token: accepted.json.access_token as string, userId: accepted.json.user_id as string };
}

/** An organization with two owners, an admin and two members, everyone logged in. */
async function team() {
  const name = `Team ${unique()}`;
  const email = (who: string) => `${who}.${unique()}@team.example`;
  const ownerEmail = email("owner");
  const created = await call("POST", "/org/create", {
    json: { organization_name: name, email: ownerEmail, password: PASSWORD },
  });
  expect(created.status, created.text).toBe(201);
  const ownerToken = await tokenOf(ownerEmail);
  const owner = { token: ownerToken, userId: (await call("GET", "/me", { token: ownerToken })).json.user_id };
  const owner2 = await join(owner.token, email("owner2"), "owner");
  const admin = await join(owner.token, email("admin"), "admin");
  const member = await join(owner.token, email("member"), "member");
  const member2 = await join(owner.token, email("member2"), "member");
  const pending = await call("POST", "/org/invitations", {
    token: owner.token,
    json: { email: email("pending"), role: "member" },
  });
  expect(pending.status).toBe(201);
  return { name, owner, owner2, admin, member, member2, invitationId: pending.json.invitation_id as string };
}

type Team = Awaited<ReturnType<typeof team>>;

/** A document the team's owner stored: its id. */
async function ownerDocument(t: Team): Promise<string> {
  const stored = await call("POST", "/org/data/documents", { token: t.owner.token, json: { n: 0 } });
  expect(stored.status, stored.text).toBe(201);
  return stored.json._id as string;
}

/** A domain the team's owner claimed, its TXT record published (not verified yet). */
async function claimedDomain(t: Team): Promise<string> {
  const domain = `d-${unique()}.example`;
  const claimed = await call("POST", "/org/domains", { token: t.owner.token, json: { domain } });
  expect(claimed.status, claimed.text).toBe(201);
  dns.setTxt(claimed.json.record.name, [claimed.json.record.value]);
  return domain;
}

/** A pending request to join the team, by a new user whose address in a domain the team holds (suggest) is verified. */
async function pendingJoinRequest(t: Team): Promise<string> {
  const domain = await claimedDomain(t);
  expect((await call("POST", `/org/domains/${domain}/verify`, { token: t.owner.token })).status).toBe(200);
  const mode = await call("PATCH", `/org/domains/${domain}`, { token: t.owner.token, json: { join_mode: "suggest" } });
  expect(mode.status, mode.text).toBe(200);
  const email = `asker.${unique()}@${domain}`;
  const signedUp = await call("POST", "/org/create", {
    json: { organization_name: `Asker ${unique()}`, email, password: PASSWORD },
  });
  expect(signedUp.status, signedUp.text).toBe(201);
  expect((await call("POST", "/auth/verify-email", { json: { token: mailedToken(email, "verify") } })).status).toBe(
    200,
  );
  const teamId = (await call("GET", `/org/get${byName(t.name)}`)).json.organization_id as string;
  const asked = await call("POST", `/me/joinable-organizations/${teamId}/join`, { token: await tokenOf(email) });
  expect(asked.status, asked.text).toBe(202);
  return asked.json.request_id as string;
}

/** The permission table as the product defines it, written out here, not read from the code under test. */
const ALL: Role[] = ["owner", "admin", "member"];
const OWNER_ADMIN: Role[] = ["owner", "admin"];
const OWNER: Role[] = ["owner"];
const NONE: Role[] = [];

interface Action {
  readonly label: string;
  readonly allowed: readonly Role[];
  readonly run: (team: Team, token: string, self: { userId: string }) => Promise<HttpAnswer>;
  /** Changes nothing of the team's (refused, or a read): its cells share one team instead of making their own. */
  readonly shared?: true;
}

/** Every action of the permission table, as a request that succeeds when the role may do it. */
const actions: Action[] = [
  { label: "GET /me", allowed: ALL, run: (_, token) => call("GET", "/me", { token }) },
  { label: "GET /me/organizations", allowed: ALL, run: (_, token) => call("GET", "/me/organizations", { token }) },
  // Every role may ask for a verification link; the sign-up's address is unverified, so it is sent (202).
  { label: "POST /me/verify-email", allowed: ALL, run: (_, token) => call("POST", "/me/verify-email", { token }) },
  { label: "GET /org/members", allowed: ALL, run: (_, token) => call("GET", "/org/members", { token }) },
  { label: "GET /org/collection", allowed: ALL, run: (_, token) => call("GET", "/org/collection", { token }) },
  { label: "GET /org/audit", allowed: OWNER_ADMIN, run: (_, token) => call("GET", "/org/audit", { token }) },
  { label: "GET /org/usage", allowed: ALL, run: (_, token) => call("GET", "/org/usage", { token }) },
  {
    label: "POST /org/data/documents",
    allowed: ALL,
    run: (_, token) => call("POST", "/org/data/documents", { token, json: { n: 1 } }),
  },
  { label: "GET /org/data/documents", allowed: ALL, run: (_, token) => call("GET", "/org/data/documents", { token }) },
  {
    label: "GET /org/data/documents/{id}",
    allowed: ALL,
    run: async (t, token) => call("GET", `/org/data/documents/${await ownerDocument(t)}`, { token }),
  },
  {
    label: "PUT /org/data/documents/{id}",
    allowed: ALL,
    run: async (t, token) => call("PUT", `/org/data/documents/${await ownerDocument(t)}`, { token, json: { n: 2 } }),
  },
  {
    label: "PATCH /org/data/documents/{id}",
    allowed: ALL,
    run: async (t, token) =>
      call("PATCH", `/org/data/documents/${await ownerDocument(t)}`, { token, json: { $set: { n: 3 } } }),
  },
  {
    label: "DELETE /org/data/documents/{id}",
    allowed: ALL,
    run: async (t, token) => call("DELETE", `/org/data/documents/${await ownerDocument(t)}`, { token }),
  },
  {
    label: "GET /org/data/indexes",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("GET", "/org/data/indexes", { token }),
  },
  {
    label: "POST /org/data/indexes",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("POST", "/org/data/indexes", { token, json: { keys: { n: 1 } } }),
  },
  {
    label: "DELETE /org/data/indexes/{name}",
    allowed: OWNER_ADMIN,
    run: async (t, token) => {
      const created = await call("POST", "/org/data/indexes", { token: t.owner.token, json: { keys: { k: -1 } } });
      expect(created.status, created.text).toBe(201);
      return call("DELETE", `/org/data/indexes/${created.json.name}`, { token });
    },
  },
  {
    label: "PUT /org/update (own password)",
    allowed: ALL,
    run: (t, token) =>
      call("PUT", "/org/update", {
        token,
        json: { organization_name: t.name, password: "another-password", current_password: PASSWORD },
      }),
  },
  {
    label: "PUT /org/update (rename)",
    allowed: OWNER_ADMIN,
    run: (t, token) =>
      call("PUT", "/org/update", { token, json: { organization_name: t.name, new_organization_name: `${t.name} II` } }),
  },
  { label: "GET /org/domains", allowed: OWNER_ADMIN, run: (_, token) => call("GET", "/org/domains", { token }) },
  {
    label: "POST /org/domains",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("POST", "/org/domains", { token, json: { domain: `c-${unique()}.example` } }),
    shared: true,
  },
  {
    label: "POST /org/domains/{domain}/verify",
    allowed: OWNER_ADMIN,
    run: async (t, token) => call("POST", `/org/domains/${await claimedDomain(t)}/verify`, { token }),
    shared: true,
  },
  {
    label: "PATCH /org/domains/{domain}",
    allowed: OWNER_ADMIN,
    run: async (t, token) =>
      call("PATCH", `/org/domains/${await claimedDomain(t)}`, { token, json: { join_mode: "auto-join" } }),
    shared: true,
  },
  {
    label: "DELETE /org/domains/{domain}",
    allowed: OWNER_ADMIN,
    run: async (t, token) => call("DELETE", `/org/domains/${await claimedDomain(t)}`, { token }),
    shared: true,
  },
  {
    label: "GET /me/joinable-organizations",
    allowed: ALL,
    run: (_, token) => call("GET", "/me/joinable-organizations", { token }),
  },
  {
    label: "GET /org/join-requests",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("GET", "/org/join-requests", { token }),
  },
  {
    label: "POST /org/join-requests/{request_id}/approve",
    allowed: OWNER_ADMIN,
    // A team of its own: deciding takes the organization's lock, which another cell's change would hold.
    run: async (t, token) => call("POST", `/org/join-requests/${await pendingJoinRequest(t)}/approve`, { token }),
  },
  {
    label: "POST /org/join-requests/{request_id}/decline",
    allowed: OWNER_ADMIN,
    // A team of its own: deciding takes the organization's lock, which another cell's change would hold.
    run: async (t, token) => call("POST", `/org/join-requests/${await pendingJoinRequest(t)}/decline`, { token }),
  },
  {
    label: "PUT /org/sso",
    allowed: OWNER,
    run: (_, token) =>
      call("PUT", "/org/sso", {
        token,
        json: { issuer: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret },
      }),
    shared: true,
  },
  {
    label: "GET /org/sso",
    allowed: OWNER,
    run: (_, token) => withConnection(token, () => call("GET", "/org/sso", { token })),
    shared: true,
  },
  {
    label: "PATCH /org/sso",
    allowed: OWNER,
    run: (_, token) => withConnection(token, () => call("PATCH", "/org/sso", { token, json: { enabled: false } })),
    shared: true,
  },
  {
    label: "POST /org/sso/test",
    allowed: OWNER,
    run: (_, token) => withConnection(token, () => call("POST", "/org/sso/test", { token })),
    shared: true,
  },
  {
    label: "DELETE /org/sso",
    allowed: OWNER,
    run: (_, token) => withConnection(token, () => call("DELETE", "/org/sso", { token })),
  },
  {
    label: "PATCH /org/policies",
    allowed: OWNER,
    // What the organization has already: the owner's succeeds and changes nothing.
    run: (_, token) => call("PATCH", "/org/policies", { token, json: { require_mfa: false } }),
    shared: true,
  },
  {
    label: "DELETE /org/delete",
    allowed: OWNER,
    run: (t, token) => call("DELETE", `/org/delete${byName(t.name)}`, { token }),
  },
  {
    label: "POST /org/invitations (member)",
    allowed: OWNER_ADMIN,
    run: (_, token) =>
      call("POST", "/org/invitations", { token, json: { email: `new.${unique()}@team.example`, role: "member" } }),
  },
  {
    label: "POST /org/invitations (owner)",
    allowed: OWNER,
    run: (_, token) =>
      call("POST", "/org/invitations", { token, json: { email: `new.${unique()}@team.example`, role: "owner" } }),
  },
  {
    label: "GET /org/invitations",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("GET", "/org/invitations", { token }),
  },
  {
    label: "DELETE /org/invitations/{id}",
    allowed: OWNER_ADMIN,
    run: (t, token) => call("DELETE", `/org/invitations/${t.invitationId}`, { token }),
  },
  {
    label: "PUT /org/members/{member} (to admin)",
    allowed: OWNER_ADMIN,
    run: (t, token) => call("PUT", `/org/members/${t.member2.userId}`, { token, json: { role: "admin" } }),
  },
  {
    label: "PUT /org/members/{member} (to owner)",
    allowed: OWNER,
    run: (t, token) => call("PUT", `/org/members/${t.member2.userId}`, { token, json: { role: "owner" } }),
  },
  {
    label: "PUT /org/members/{owner} (to member)",
    allowed: OWNER,
    run: (t, token) => call("PUT", `/org/members/${t.owner2.userId}`, { token, json: { role: "member" } }),
  },
  {
    label: "DELETE /org/members/{member}",
    allowed: OWNER_ADMIN,
    run: (t, token) => call("DELETE", `/org/members/${t.member2.userId}`, { token }),
  },
  {
    label: "DELETE /org/members/{owner}",
    allowed: OWNER,
    run: (t, token) => call("DELETE", `/org/members/${t.owner2.userId}`, { token }),
  },
  {
    label: "DELETE /org/members/{self} (leave)",
    allowed: ALL,
    run: (_, token, self) => call("DELETE", `/org/members/${self.userId}`, { token }),
  },
  // Sessions and two-factor login: everyone's own.
  { label: "GET /me/sessions", allowed: ALL, run: (_, token) => call("GET", "/me/sessions", { token }) },
  { label: "DELETE /me/sessions", allowed: ALL, run: (_, token) => call("DELETE", "/me/sessions", { token }) },
  {
    label: "DELETE /me/sessions/{own}",
    allowed: ALL,
    run: (_, token) => call("DELETE", `/me/sessions/${sessionOf(token)}`, { token }),
  },
  { label: "POST /auth/logout", allowed: ALL, run: (_, token) => call("POST", "/auth/logout", { token }) },
  {
    label: "POST /auth/switch",
    allowed: ALL,
    run: (t, token) => call("POST", "/auth/switch", { token, json: { organization_name: t.name } }),
  },
  { label: "POST /me/mfa/totp", allowed: ALL, run: (_, token) => call("POST", "/me/mfa/totp", { token }) },
  {
    label: "POST /me/mfa/totp/verify",
    allowed: ALL,
    run: async (_, token) => {
      const { secret } = (await call("POST", "/me/mfa/totp", { token })).json;
      return call("POST", "/me/mfa/totp/verify", { token, json: { code: totpCode(secret) } });
    },
  },
  {
    label: "DELETE /me/mfa/totp",
    allowed: ALL,
    run: async (_, token) => {
      const { secret } = (await call("POST", "/me/mfa/totp", { token })).json;
      await call("POST", "/me/mfa/totp/verify", { token, json: { code: totpCode(secret) } });
      return call("DELETE", "/me/mfa/totp", { token, json: { password: PASSWORD } });
    },
  },
  // The platform API: a platform client's alone — no role holds a platform scope, so a member's
  // token, an owner's included, is refused before any function runs, for its own organization too.
  {
    label: "GET /platform/organizations",
    allowed: NONE,
    shared: true,
    run: (_, token) => call("GET", "/platform/organizations", { token }),
  },
  {
    label: "GET /platform/organizations/{own}",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("GET", `/platform/organizations/${await organizationIdOf(t)}`, { token }),
  },
  {
    label: "DELETE /platform/organizations/{own}",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("DELETE", `/platform/organizations/${await organizationIdOf(t)}`, { token }),
  },
  {
    label: "POST /platform/organizations/{own}/move",
    allowed: NONE,
    shared: true,
    run: async (t, token) =>
      call("POST", `/platform/organizations/${await organizationIdOf(t)}/move`, { token, json: { cell: "default" } }),
  },
  {
    label: "GET /platform/organizations/{own}/move",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("GET", `/platform/organizations/${await organizationIdOf(t)}/move`, { token }),
  },
  {
    label: "PATCH /platform/organizations/{own}/metadata",
    allowed: NONE,
    shared: true,
    run: async (t, token) =>
      call("PATCH", `/platform/organizations/${await organizationIdOf(t)}/metadata`, {
        token,
        json: { public_metadata: { plan: "x" } },
      }),
  },
  {
    label: "POST /platform/organizations/{own}/suspend",
    allowed: NONE,
    shared: true,
    run: async (t, token) =>
      call("POST", `/platform/organizations/${await organizationIdOf(t)}/suspend`, { token, json: { reason: "x" } }),
  },
  {
    label: "POST /platform/organizations/{own}/reactivate",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("POST", `/platform/organizations/${await organizationIdOf(t)}/reactivate`, { token }),
  },
  {
    label: "POST /platform/organizations/{own}/exports",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("POST", `/platform/organizations/${await organizationIdOf(t)}/exports`, { token }),
  },
  {
    label: "GET /platform/organizations/{own}/exports",
    allowed: NONE,
    shared: true,
    run: async (t, token) => call("GET", `/platform/organizations/${await organizationIdOf(t)}/exports`, { token }),
  },
  {
    label: "GET /platform/organizations/{own}/exports/{export_id}",
    allowed: NONE,
    shared: true,
    run: async (t, token) =>
      call("GET", `/platform/organizations/${await organizationIdOf(t)}/exports/${await exportOf(t)}`, { token }),
  },
  {
    label: "POST /platform/organizations/restore",
    allowed: NONE,
    shared: true,
    run: async (t, token) =>
      call("POST", "/platform/organizations/restore", { token, json: { export_id: await exportOf(t) } }),
  },
  // Machine clients: owners and admins manage the organization's own.
  {
    label: "POST /org/clients",
    allowed: OWNER_ADMIN,
    run: (_, token) => call("POST", "/org/clients", { token, json: { name: "table", scopes: ["data:read"] } }),
  },
  { label: "GET /org/clients", allowed: OWNER_ADMIN, run: (_, token) => call("GET", "/org/clients", { token }) },
  {
    label: "POST /org/clients/{}/secrets",
    allowed: OWNER_ADMIN,
    run: async (t, token) => call("POST", `/org/clients/${await clientOf(t)}/secrets`, { token }),
  },
  {
    label: "DELETE /org/clients/{client_id}/secrets/{secret_id}",
    allowed: OWNER_ADMIN,
    run: async (t, token) => {
      const clientId = await clientOf(t);
      const second = await call("POST", `/org/clients/${clientId}/secrets`, { token: t.owner.token });
      return call("DELETE", `/org/clients/${clientId}/secrets/${second.json.secret_id}`, { token });
    },
  },
  {
    label: "DELETE /org/clients/{}",
    allowed: OWNER_ADMIN,
    run: async (t, token) => call("DELETE", `/org/clients/${await clientOf(t)}`, { token }),
  },
  {
    label: "GET /org/events",
    allowed: OWNER_ADMIN,
    shared: true,
    run: (_, token) => call("GET", "/org/events", { token }),
  },
  // The platform's feed and webhooks: no role's token carries a platform scope.
  ...[
    "GET /platform/events",
    "POST /platform/webhooks",
    "GET /platform/webhooks",
    "PATCH /platform/webhooks/{}",
    "DELETE /platform/webhooks/{}",
    "POST /platform/webhooks/{}/rotate-secret",
    "GET /platform/webhooks/{}/messages",
    "POST /platform/webhooks/{}/resend",
    "POST /platform/webhooks/{}/replay",
  ].map(
    (label): Action => ({
      label,
      allowed: NONE,
      shared: true,
      run: (_, token) => {
        const [method, path] = label.split(" ") as [string, string];
        return call(method, path.replace("{}", `we_${"0".repeat(24)}`), {
          token,
          ...(method !== "GET" && method !== "DELETE" && { json: {} }),
        });
      },
    }),
  ),
  {
    label: "POST /org/webhooks",
    allowed: OWNER_ADMIN,
    shared: true,
    run: (_, token) => call("POST", "/org/webhooks", { token, json: quietWebhook }),
  },
  {
    label: "GET /org/webhooks",
    allowed: OWNER_ADMIN,
    shared: true,
    run: (_, token) => call("GET", "/org/webhooks", { token }),
  },
  {
    label: "PATCH /org/webhooks/{}",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) =>
      call("PATCH", `/org/webhooks/${await webhookOf(t)}`, { token, json: { description: "x" } }),
  },
  {
    label: "DELETE /org/webhooks/{}",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) => call("DELETE", `/org/webhooks/${await webhookOf(t, { fresh: true })}`, { token }),
  },
  {
    label: "POST /org/webhooks/{}/rotate-secret",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) => call("POST", `/org/webhooks/${await webhookOf(t)}/rotate-secret`, { token }),
  },
  {
    label: "GET /org/webhooks/{}/messages",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) => call("GET", `/org/webhooks/${await webhookOf(t)}/messages`, { token }),
  },
  {
    label: "POST /org/webhooks/{}/resend",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) => {
      const id = await webhookOf(t);
      // A message of the disabled endpoint, as delivery would have left it: resending sends nothing.
      const eventId = `evt_${randomBytes(12).toString("hex")}`;
      const now = new Date();
      await (await database()).webhookMessages.insertOne({
        _id: `${id}:${eventId}`,
        endpoint_id: id,
        event_id: eventId,
        state: "failed",
        attempts: 8,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      });
      return call("POST", `/org/webhooks/${id}/resend`, { token, json: { event_id: eventId } });
    },
  },
  {
    label: "POST /org/webhooks/{}/replay",
    allowed: OWNER_ADMIN,
    shared: true,
    run: async (t, token) =>
      call("POST", `/org/webhooks/${await webhookOf(t)}/replay`, { token, json: { since: "2026-01-01T00:00:00Z" } }),
  },
  // The owner's cell starts the one export the shared team has (archives.test.ts follows exports to their end).
  {
    label: "POST /org/exports",
    allowed: OWNER,
    shared: true,
    run: (_t, token) => call("POST", "/org/exports", { token }),
  },
  {
    label: "GET /org/exports",
    allowed: OWNER,
    shared: true,
    run: (_t, token) => call("GET", "/org/exports", { token }),
  },
  {
    label: "GET /org/exports/{}",
    allowed: OWNER,
    shared: true,
    run: async (t, token) => call("GET", `/org/exports/${await exportOf(t)}`, { token }),
  },
];

/** An export of the team's organization, recorded as a failed one is (no lock, no archive): what the reads read. */
const exportsOf = new WeakMap<Team, Promise<string>>();
function exportOf(t: Team): Promise<string> {
  const made =
    exportsOf.get(t) ??
    (async () => {
      const now = new Date();
      const id = new ObjectId();
      await (await database()).exports.insertOne({
        _id: id,
        organization_id: new ObjectId(await organizationIdOf(t)),
        requested_by: { type: "user", id: t.owner.userId },
        private_metadata: false,
        state: "failed",
        created_at: now,
        heartbeat_at: now,
        finished_at: now,
        documents_total: 0,
        documents_exported: 0,
        failure: "The export was interrupted; start another.",
      });
      return id.toHexString();
    })();
  exportsOf.set(t, made);
  return made;
}

/**
 * An endpoint that never receives anything: of a type no test makes, and disabled at once (no
 * delivery is ever attempted, so no name is looked up).
 */
const quietWebhook = { url: "https://hooks.example.com/team", event_types: ["webhook.disabled"] };

/**
 * A quiet webhook endpoint of the team's organization, made by its owner: one per team, shared by
 * the actions that leave it there (`fresh`: one of its own, for an action that deletes it).
 */
const webhooksOf = new WeakMap<Team, Promise<string>>();
function webhookOf(t: Team, options: { fresh?: true } = {}): Promise<string> {
  if (options.fresh) return newWebhook(t);
  const made = webhooksOf.get(t) ?? newWebhook(t);
  webhooksOf.set(t, made);
  return made;
}

async function newWebhook(t: Team): Promise<string> {
  const created = await call("POST", "/org/webhooks", { token: t.owner.token, json: quietWebhook });
  expect(created.status, created.text).toBe(201);
  const disabled = await call("PATCH", `/org/webhooks/${created.json.id}`, {
    token: t.owner.token,
    json: { enabled: false },
  });
  expect(disabled.status, disabled.text).toBe(200);
  return created.json.id;
}

/** A machine client of the team's organization, made by its owner. */
async function clientOf(t: Team): Promise<string> {
  const created = await call("POST", "/org/clients", {
    token: t.owner.token,
    json: { name: "c", scopes: ["data:read"] },
  });
  return created.json.client_id as string;
}

/** The team's organization's id, as the public lookup answers it. */
async function organizationIdOf(t: Team): Promise<string> {
  return (await call("GET", `/org/get${byName(t.name)}`)).json.organization_id as string;
}

/** The session an access token belongs to (its `sid` claim). */
function sessionOf(token: string): string {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).sid;
}

const ROLES_UNDER_TEST: Role[] = ["owner", "admin", "member"];
let sharedTeam: Promise<Team> | undefined;
const cells = actions.flatMap((action) => ROLES_UNDER_TEST.map((role) => [action.label, role, action] as const));

// Each cell has an organization of its own, so the cells run side by side.
describe.concurrent("the permission table, cell by cell", () => {
  it("covers every protected route of the route table", () => {
    const covered = new Set(actions.map((action) => action.label.split(" (")[0]!.replace(/\{[^}]+\}/, "{}")));
    // The user's own, whatever their role in the organization they are in: whether they may join
    // another is decided by their verified email and that organization's domains
    // (packages/core/test/domains.test.ts, packages/local/test/domains.test.ts).
    const userLevel = ["POST /me/joinable-organizations/{organization_id}/join"];
    for (const route of routes.filter((r) => r.auth === "jwt" && !userLevel.includes(`${r.method} ${r.path}`))) {
      expect(covered, `${route.method} ${route.path}`).toContain(
        `${route.method} ${route.path.replace(/\{[^}]+\}/, "{}")}`,
      );
    }
  });

  it.each(cells)("%s as %s", async (_label, role, action) => {
    if (action.shared) sharedTeam ??= team();
    const t = action.shared && sharedTeam ? await sharedTeam : await team();
    const actor = role === "owner" ? t.owner : role === "admin" ? t.admin : t.member;
    const answer = await action.run(t, actor.token, actor);
    if (action.allowed.includes(role)) {
      expect(answer.status, answer.text).toBeLessThan(300);
    } else {
      expect(answer.status, answer.text).toBe(403);
    }
  });
});

describe("refused by API Gateway's authorizer, or by the function", () => {
  it("a member's token lacks an admin route's scope: the gateway's own 403, no function runs", async () => {
    const t = await team();
    const answer = await call("GET", "/org/invitations", { token: t.member.token });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ message: "Forbidden" });
  });

  it("an admin passes the gateway but may not touch an owner: a problem from the function", async () => {
    const t = await team();
    const answer = await call("PUT", `/org/members/${t.owner.userId}`, {
      token: t.admin.token,
      json: { role: "admin" },
    });
    expect(answer.status).toBe(403);
    expect(answer.contentType).toBe("application/problem+json");
  });
});

describe("the end-to-end flow", () => {
  // Through the package's typed client (packages/client): sessions, thrown problems, the members' iterator.
  it("create → invite → accept → member logs in → refused an admin action → promoted → old token revoked → removed", async () => {
    const api = anonymousClient(server);
    const name = `Flow ${unique()}`;
    const ownerEmail = `owner.${unique()}@flow.example`;
    await api.POST("/org/create", { body: { organization_name: name, email: ownerEmail, password: PASSWORD } });
    const owner = await loggedIn(server, { email: ownerEmail, password: PASSWORD });

    const memberEmail = `member.${unique()}@flow.example`;
    const { data: invited, response } = await owner.client.POST("/org/invitations", {
      body: { email: memberEmail, role: "member" },
    });
    expect(response.status).toBe(201);
    expect(invited).toMatchObject({ email: memberEmail, role: "member", mail_sent: true });
    // Optional in the schema (not every deployment answers it); the local server does.
    const invitation = invited.token!;
    expect(invited.accept_url).toBe(`${server.url()}/#invitation=${invitation}`);
    // Listed without its token, ever.
    const { data: listed } = await owner.client.GET("/org/invitations");
    expect(listed.invitations.map((i) => i.email)).toEqual([memberEmail]);
    expect(JSON.stringify(listed)).not.toContain(invitation);

    const { data: accepted } = await api.POST("/invitations/accept", {
      body: { token: invitation, password: PASSWORD },
    });
    expect(accepted).toMatchObject({ organization_name: name, role: "member" });
    // Single use.
    const again = await refusal(api.POST("/invitations/accept", { body: { token: invitation, password: PASSWORD } }));
    expect(again.status).toBe(410);

    const member = await loggedIn(server, { email: memberEmail, password: PASSWORD });
    const { data: me } = await member.client.GET("/me");
    expect(me).toMatchObject({
      email: memberEmail,
      memberships: [{ organization_name: name, role: "member" }],
    });
    const { data: seen } = await member.client.GET("/org/get", { params: { query: { organization_name: name } } });
    expect(seen).toMatchObject({ admin_email: ownerEmail, role: "member" });
    const rename = { organization_name: name, new_organization_name: `${name} Renamed` };
    expect((await refusal(member.client.PUT("/org/update", { body: rename }))).status).toBe(403);

    let memberId: string | undefined;
    for await (const listedMember of paginate(member.client, "/org/members")) {
      if (listedMember.email === memberEmail) memberId = listedMember.user_id;
    }
    if (!memberId) throw new Error("the member is not listed");
    const { data: promoted } = await owner.client.PUT("/org/members/{user_id}", {
      params: { path: { user_id: memberId } },
      body: { role: "admin" },
    });
    expect(promoted).toMatchObject({ user_id: memberId, role: "admin" });
    // The role changed: the member's session is revoked at once — the client's refresh after the
    // 401 is refused too, and the session ends.
    expect((await refusal(member.client.GET("/org/members"))).status).toBe(401);
    expect(member.tokens).toBeUndefined();

    expect((await member.login({ email: memberEmail, password: PASSWORD })).mfaRequired).toBe(false);
    await member.client.PUT("/org/update", { body: rename });

    // The last owner can neither leave nor be demoted.
    const ownerId = (await owner.client.GET("/me")).data.user_id;
    const ownerPath = { params: { path: { user_id: ownerId } } };
    expect((await refusal(owner.client.DELETE("/org/members/{user_id}", ownerPath))).status).toBe(409);
    expect(
      (await refusal(owner.client.PUT("/org/members/{user_id}", { ...ownerPath, body: { role: "admin" } }))).status,
    ).toBe(409);

    const { data: removed } = await owner.client.DELETE("/org/members/{user_id}", {
      params: { path: { user_id: memberId } },
    });
    expect(removed).toEqual({ removed: true });
    expect((await refusal(member.client.GET("/me"))).status).toBe(401);
    // Left without an organization, the user is gone: the email logs in nowhere.
    expect((await login(memberEmail)).status).toBe(401);
  });

  it("a user of several organizations chooses one at login; a signed-in user creates another with its name alone", async () => {
    const email = `multi.${unique()}@flow.example`;
    const first = `First ${unique()}`;
    expect(
      (await call("POST", "/org/create", { json: { organization_name: first, email, password: PASSWORD } })).status,
    ).toBe(201);
    const token = await tokenOf(email);
    // Without the token, the email is taken.
    const second = `Second ${unique()}`;
    expect(
      (await call("POST", "/org/create", { json: { organization_name: second, email, password: PASSWORD } })).status,
    ).toBe(409);
    const created = await call("POST", "/org/create", { token, json: { organization_name: second } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.admin_email).toBe(email);

    const ambiguous = await login(email);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json.organizations).toEqual([
      { organization_id: expect.any(String), organization_name: first, role: "owner" },
      { organization_id: created.json.organization_id, organization_name: second, role: "owner" },
    ]);
    // Only once the password checked out: a wrong one is the plain 401.
    expect((await login(email, "wrong-password")).status).toBe(401);
    const chosen = await login(email, PASSWORD, second);
    expect(chosen.json).toMatchObject({ organization_name: second, role: "owner" });
    // A name the user is not a member of: the same 401 as bad credentials.
    const stranger = await login(email, PASSWORD, "Nobody Knows This One");
    expect(stranger.status).toBe(401);
    expect(stranger.json.detail).toBe((await login(email, "wrong-password")).json.detail);
  });
});

describe("the invitation list, a page at a time", () => {
  it("pages newest first: every pending invitation once (accepted and revoked ones left out); a forged cursor is a 422", async () => {
    const api = anonymousClient(server);
    const ownerEmail = `owner.${unique()}@pages.example`;
    await api.POST("/org/create", {
      body: { organization_name: `Pages ${unique()}`, email: ownerEmail, password: PASSWORD },
    });
    const owner = await loggedIn(server, { email: ownerEmail, password: PASSWORD });
    const invited: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { data } = await owner.client.POST("/org/invitations", {
        body: { email: `invitee${i}.${unique()}@pages.example`, role: "member" },
      });
      invited.push(data.invitation_id);
    }
    // One revoked, one accepted: no longer pending, so on no page.
    await owner.client.DELETE("/org/invitations/{invitation_id}", { params: { path: { invitation_id: invited[1]! } } });
    const { data: accepting } = await owner.client.POST("/org/invitations", {
      body: { email: `accepting.${unique()}@pages.example`, role: "member" },
    });
    await api.POST("/invitations/accept", { body: { token: accepting.token!, password: PASSWORD } });

    const pageSizes: number[] = [];
    const listed: string[] = [];
    for await (const page of pages(owner.client, "/org/invitations", { params: { query: { limit: 2 } } })) {
      pageSizes.push(page.invitations.length);
      listed.push(...page.invitations.map((invitation) => invitation.invitation_id));
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(listed).toEqual(invited.filter((_, i) => i !== 1).reverse());

    const refused = await refusal(owner.client.GET("/org/invitations", { params: { query: { cursor: "nope" } } }));
    expect(refused.status).toBe(422);
    expect(refused.problem).toMatchObject({ errors: [expect.objectContaining({ path: "cursor" })] });
  });
});
