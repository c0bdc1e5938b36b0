import { clientCredentials, createClient, pages } from "@org-service/client";
import { continueMove, moveTenant, revokePlatformClient, type Scope } from "@org-service/core";
import { database, twoCellsOn } from "@org-service/core/testing";
import { buildHttpApiEvent, lambdaContext } from "@org-service/functions/gateway";
import { type Route, routes } from "@org-service/functions/routes";
import { decodeJwt } from "jose";
import { describe, expect, inject, it } from "vitest";
import { byName, type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";
import { platformToken as platformTokenOf } from "./support/platform-token";

/**
 * The platform API over real HTTP: a platform client's token (client credentials, got from core's
 * grant as the token endpoint does), the local authorizer's scopes, then the functions' own checks.
 * Tenants are placed across two cells on the test server (each its own pool database): every create
 * lands in cell-a, the moves go to cell-b. No drain period, so a small move finishes in the call.
 */
process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
const server = useLocalServer({ cells: twoCellsOn(inject("mongodbUri")) });
const call = httpClient(server.url);
const PASSWORD = "password-123";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** A new organization through the API: its id, its owner's email and token. */
async function signUp(name: string, email = `owner.${unique()}@platform.example`) {
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password: PASSWORD, organization_name: name } });
  expect(login.status, login.text).toBe(200);
  return { id: created.json.organization_id as string, name, email, token: login.json.access_token as string };
}

/** A platform client with these scopes, and a token of it from the token endpoint. */
const platformToken = (scopes?: Scope[]) => platformTokenOf(call, scopes);

/** A valid body for a platform route that takes one. */
const bodyOf = (route: Route) =>
  route.path.endsWith("/move")
    ? { cell: "cell-b" }
    : route.path.endsWith("/suspend")
      ? { reason: "x" }
      : route.path.endsWith("/metadata")
        ? { public_metadata: { plan: "pro" } }
        : {};

/** The audit entries the client left, oldest first. */
async function auditOf(clientId: string) {
  const db = await database();
  return db.audit.find({ client_id: clientId }).sort({ _id: 1 }).toArray();
}

const list = (token: string, query: Record<string, string> = {}) =>
  call("GET", `/platform/organizations?${new URLSearchParams(query)}`, { token });
const names = (answer: HttpAnswer) =>
  (answer.json.organizations as { organization_name: string }[]).map((o) => o.organization_name);

describe("listing and searching", () => {
  it("lists newest first, searches by name prefix, slug prefix and member email, and pages with next_cursor", async () => {
    const { clientId, clientSecret, token } = await platformToken(["platform:read"]);
    const tag = `Plat${unique()}`;
    const alpha = await signUp(`${tag} Alpha`);
    const beta = await signUp(`${tag} Beta`);
    const gamma = await signUp(`${tag} Gamma`);
    // Alpha's owner has a second organization, under another name.
    const other = await call("POST", "/org/create", {
      token: alpha.token,
      json: { organization_name: `Other ${tag}` },
    });
    expect(other.status, other.text).toBe(201);

    const byPrefix = await list(token, { query: tag.toLowerCase() });
    expect(byPrefix.status, byPrefix.text).toBe(200);
    expect(names(byPrefix)).toEqual([gamma.name, beta.name, alpha.name]);
    expect(byPrefix.json.next_cursor).toBeUndefined();
    expect(byPrefix.json.organizations[2]).toEqual({
      organization_id: alpha.id,
      organization_name: alpha.name,
      slug: `${tag.toLowerCase()}_alpha`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      member_count: 1,
      placement: { cell: "cell-a", tier: "pool" },
      status: "active",
      public_metadata: {},
      private_metadata: {},
    });

    // The slug, not the name, starts with "<tag>_b".
    expect(names(await list(token, { query: `${tag.toUpperCase()}_B` }))).toEqual([beta.name]);
    // A member's exact email (any case): every organization of theirs.
    expect(names(await list(token, { query: alpha.email.toUpperCase() }))).toEqual([`Other ${tag}`, alpha.name]);
    expect(names(await list(token, { query: `x${alpha.email}` }))).toEqual([]);

    // Paged through the package's client (packages/client), with tokens of its own from the
    // client credentials grant: two pages, the first's next_cursor the last organization on it.
    const platform = createClient({
      baseUrl: server.url(),
      auth: clientCredentials({ baseUrl: server.url(), clientId, clientSecret, scope: "platform:read" }),
    });
    const paged = [];
    const query = { query: tag, limit: 2 };
    for await (const page of pages(platform, "/platform/organizations", { params: { query } })) paged.push(page);
    expect(paged.map((page) => page.organizations.map((o) => o.organization_name))).toEqual([
      [gamma.name, beta.name],
      [alpha.name],
    ]);
    expect(paged.map((page) => page.next_cursor)).toEqual([beta.id, undefined]);

    // Unfiltered, the newest is first.
    expect(names(await list(token, { limit: "1" }))).toEqual([`Other ${tag}`]);

    const listed = (await auditOf(clientId)).filter((entry) => entry.action === "platform.organizations_listed");
    expect(listed).toHaveLength(7);
    expect(listed[0]).toMatchObject({ client_id: clientId, details: { query: tag.toLowerCase() } });
    expect(listed[0]!.organization_id).toBeUndefined();
  });

  it("finds a renamed organization under its new name and slug, no longer under the old ones", async () => {
    const { token } = await platformToken(["platform:read"]);
    const tag = `Ren${unique()}`;
    const org = await signUp(`${tag} Before`);
    const renamed = `${tag} After`;
    const answer = await call("PUT", "/org/update", {
      token: org.token,
      json: { organization_name: org.name, new_organization_name: renamed },
    });
    expect(answer.status, answer.text).toBe(200);

    expect(names(await list(token, { query: `${tag} after` }))).toEqual([renamed]);
    expect(names(await list(token, { query: `${tag.toLowerCase()}_aft` }))).toEqual([renamed]);
    expect(names(await list(token, { query: tag }))).toEqual([renamed]);
    expect(names(await list(token, { query: `${tag} before` }))).toEqual([]);
    expect(names(await list(token, { query: `${tag.toLowerCase()}_before` }))).toEqual([]);
  });

  it("finds a name longer than the prefixes kept by the whole of it, and nothing that differs after them", async () => {
    const { token } = await platformToken(["platform:read"]);
    const tag = `Long${unique()}`;
    // Longer than the 32 characters kept, within the slug's 48.
    const name = `${tag} Organisation Holdings Ltd`;
    expect(name.length).toBeGreaterThan(36);
    await signUp(name);

    expect(names(await list(token, { query: name.toUpperCase() }))).toEqual([name]);
    expect(names(await list(token, { query: name.slice(0, 35) }))).toEqual([name]);
    // The first 32 characters are the same: what follows them decides.
    expect(names(await list(token, { query: `${name.slice(0, 35)}x` }))).toEqual([]);
    expect(names(await list(token, { query: `${name} Two` }))).toEqual([]);
  });

  it("refuses malformed input with 422 naming the field", async () => {
    const { token } = await platformToken(["platform:read"]);
    const cases: [Record<string, string>, string][] = [
      [{ limit: "0" }, "limit"],
      [{ limit: "101" }, "limit"],
      [{ cursor: "not-a-cursor" }, "cursor"],
      [{ tier: "gold" }, "tier"],
      [{ query: "" }, "query"],
      [{ bogus: "1" }, "bogus"],
    ];
    for (const [query, field] of cases) {
      const answer = await list(token, query);
      expect(answer.status, JSON.stringify(query)).toBe(422);
      expect(answer.contentType).toBe("application/problem+json");
      expect(answer.json.errors.map((issue: { path: string }) => issue.path)).toContain(field);
    }
  });
});

describe("one organization", () => {
  it("answers its usage and its owners; an unknown id is 404, a malformed one 422", async () => {
    const { clientId, token } = await platformToken(["platform:read"]);
    const org = await signUp(`Usage ${unique()}`);
    for (const n of [1, 2]) {
      const stored = await call("POST", "/org/data/documents", {
        token: org.token,
        json: { n, text: "x".repeat(100) },
      });
      expect(stored.status, stored.text).toBe(201);
    }
    expect((await call("POST", "/org/data/indexes", { token: org.token, json: { keys: { n: 1 } } })).status).toBe(201);
    const invited = await call("POST", "/org/invitations", {
      token: org.token,
      json: { email: `admin.${unique()}@platform.example`, role: "admin" },
    });
    expect(invited.status, invited.text).toBe(201);
    const accepted = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: PASSWORD },
    });
    expect(accepted.status, accepted.text).toBe(200);

    const answer = await call("GET", `/platform/organizations/${org.id}`, { token });
    expect(answer.status, answer.text).toBe(200);
    const me = await call("GET", "/me", { token: org.token });
    expect(answer.json).toMatchObject({
      organization_id: org.id,
      organization_name: org.name,
      member_count: 2,
      placement: { cell: "cell-a", tier: "pool" },
      usage: { document_count: 2, data_bytes: expect.any(Number), index_count: 1, quotas: expect.any(Object) },
      owners: [{ user_id: me.json.user_id, email: org.email }],
    });
    expect(answer.json.usage.data_bytes).toBeGreaterThan(200);

    const unknown = await call("GET", "/platform/organizations/000000000000000000000000", { token });
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toBe("application/problem+json");
    const malformed = await call("GET", "/platform/organizations/nope", { token });
    expect(malformed.status).toBe(422);
    expect(malformed.json.errors[0].path).toBe("organization_id");

    // What it read is on record, in the organization's own log too (an unknown id read nothing).
    const viewed = (await auditOf(clientId)).filter((entry) => entry.action === "platform.organization_viewed");
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.organization_id?.toHexString()).toBe(org.id);
  });
});

describe("moves", () => {
  it("moves an organization to another cell, then to a silo there, reading its status; the cell and tier filters follow", async () => {
    const { clientId, token } = await platformToken();
    const org = await signUp(`Mover ${unique()}`);
    for (const n of [1, 2, 3]) {
      expect((await call("POST", "/org/data/documents", { token: org.token, json: { n } })).status).toBe(201);
    }
    const never = await call("GET", `/platform/organizations/${org.id}/move`, { token });
    expect(never.status, never.text).toBe(404);

    const started = await call("POST", `/platform/organizations/${org.id}/move`, { token, json: { cell: "cell-b" } });
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({
      organization_id: org.id,
      organization_name: org.name,
      from: { cell: "cell-a", tier: "pool" },
      to: { cell: "cell-b", tier: "pool" },
    });
    // Small, without drain periods: done within the call (or carried on here, as the reconciler would).
    if (!started.json.finished) await continueMove(org.name);
    const status = await call("GET", `/platform/organizations/${org.id}/move`, { token });
    expect(status.json).toEqual({
      organization_id: org.id,
      organization_name: org.name,
      step: "done",
      finished: true,
      from: { cell: "cell-a", tier: "pool" },
      to: { cell: "cell-b", tier: "pool" },
    });
    expect((await call("GET", `/platform/organizations/${org.id}`, { token })).json.placement).toEqual({
      cell: "cell-b",
      tier: "pool",
    });
    // The members keep their data.
    expect((await call("GET", "/org/data/documents", { token: org.token })).json.documents).toHaveLength(3);
    expect(names(await list(token, { query: org.name, cell: "cell-b" }))).toEqual([org.name]);
    expect(names(await list(token, { query: org.name, cell: "cell-a" }))).toEqual([]);

    const silo = await call("POST", `/platform/organizations/${org.id}/move`, {
      token,
      json: { cell: "cell-b", tier: "silo" },
    });
    expect(silo.status, silo.text).toBe(202);
    if (!silo.json.finished) await continueMove(org.name);
    expect((await call("GET", `/platform/organizations/${org.id}/move`, { token })).json).toMatchObject({
      step: "done",
      from: { cell: "cell-b", tier: "pool" },
      to: { cell: "cell-b", tier: "silo" },
    });
    expect(names(await list(token, { query: org.name, tier: "silo" }))).toEqual([org.name]);
    expect(names(await list(token, { query: org.name, tier: "pool" }))).toEqual([]);
    expect((await call("GET", "/org/data/documents", { token: org.token })).json.documents).toHaveLength(3);

    const entries = await auditOf(clientId);
    expect(entries.filter((entry) => entry.action === "platform.move_started")).toMatchObject([
      { organization_id: expect.anything(), details: { to_cell: "cell-b", to_tier: "pool" } },
      { details: { from_cell: "cell-b", from_tier: "pool", to_cell: "cell-b", to_tier: "silo" } },
    ]);
    expect(entries.filter((entry) => entry.action === "platform.move_viewed")).toHaveLength(3);
  });

  it("reads a move under way; refuses a move elsewhere meanwhile, a delete, an unknown cell and a move to where it is", async () => {
    const { token } = await platformToken();
    const org = await signUp(`Fenced ${unique()}`);
    // Fenced and recorded, nothing more: as a move whose worker stopped right after its start.
    await moveTenant({ organizationName: org.name, toCell: "cell-b" }, { budgetMs: 0 });

    const underWay = await call("GET", `/platform/organizations/${org.id}/move`, { token });
    expect(underWay.status, underWay.text).toBe(200);
    expect(underWay.json).toEqual({
      organization_id: org.id,
      organization_name: org.name,
      step: "fenced",
      finished: false,
      from: { cell: "cell-a", tier: "pool" },
      to: { cell: "cell-b", tier: "pool" },
      copied: 0,
    });
    const elsewhere = await call("POST", `/platform/organizations/${org.id}/move`, {
      token,
      json: { cell: "cell-b", tier: "silo" },
    });
    expect(elsewhere.status, elsewhere.text).toBe(409);
    const deleting = await call("DELETE", `/platform/organizations/${org.id}`, { token });
    expect(deleting.status, deleting.text).toBe(409);
    expect(deleting.json.type).toBe("urn:org-service:problem:tenant-moving");

    // Asking for the same target carries the move on.
    const carried = await call("POST", `/platform/organizations/${org.id}/move`, { token, json: { cell: "cell-b" } });
    expect(carried.status, carried.text).toBe(202);
    if (!carried.json.finished) await continueMove(org.name);

    const there = await call("POST", `/platform/organizations/${org.id}/move`, { token, json: { cell: "cell-b" } });
    expect(there.status, there.text).toBe(409);
    const unknownCell = await call("POST", `/platform/organizations/${org.id}/move`, {
      token,
      json: { cell: "cell-z" },
    });
    expect(unknownCell.status).toBe(422);
    expect(unknownCell.json.errors[0]).toMatchObject({ path: "cell" });
    const badBody = await call("POST", `/platform/organizations/${org.id}/move`, {
      token,
      json: { cell: "cell-b", tier: "gold" },
    });
    expect(badBody.status).toBe(422);
    const unknown = await call("POST", "/platform/organizations/000000000000000000000000/move", {
      token,
      json: { cell: "cell-b" },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("deleting", () => {
  it("deletes an organization as its owner's delete does: then 404, and its owner can no longer log in", async () => {
    const { clientId, token } = await platformToken();
    const org = await signUp(`Doomed ${unique()}`);
    expect((await call("POST", "/org/data/documents", { token: org.token, json: { n: 1 } })).status).toBe(201);

    const deleted = await call("DELETE", `/platform/organizations/${org.id}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json).toEqual({ deleted: true, organization_id: org.id, organization_name: org.name });

    expect((await call("GET", `/platform/organizations/${org.id}`, { token })).status).toBe(404);
    expect((await call("DELETE", `/platform/organizations/${org.id}`, { token })).status).toBe(404);
    expect((await call("GET", `/org/get${byName(org.name)}`)).status).toBe(404);
    const login = await call("POST", "/admin/login", { json: { email: org.email, password: PASSWORD } });
    expect(login.status).toBe(401);
    // Its token, issued before, is refused from now on.
    expect((await call("GET", "/me", { token: org.token })).status).toBe(401);
    expect(names(await list(token, { query: org.name }))).toEqual([]);

    const db = await database();
    expect(await db.organizations.countDocuments({ name: org.name })).toBe(0);
    expect(await db.users.countDocuments({ email: org.email })).toBe(0);
    const entry = (await auditOf(clientId)).find((e) => e.action === "platform.organization_deleted");
    expect(entry).toMatchObject({ client_id: clientId, details: { organization_name: org.name } });
    expect(entry!.organization_id?.toHexString()).toBe(org.id);
  });
});

describe("who may call the platform API", () => {
  const platformRoutes: readonly Route[] = routes.filter((route) => route.path.startsWith("/platform/"));
  /** An id where the route has one: the organization's, or a well-formed webhook id no endpoint has. */
  const pathOf = (path: string, id: string) =>
    path
      .replace("{organization_id}", id)
      .replace("{webhook_id}", `we_${"0".repeat(24)}`)
      .replace("{export_id}", "0".repeat(24));
  const requestOf = (route: Route, id: string, token?: string) =>
    call(route.method, pathOf(route.path, id), {
      ...(token && { token }),
      ...(route.method === "POST" && {
        json: route.path.endsWith("/move")
          ? { cell: "cell-b" }
          : route.path.endsWith("/suspend")
            ? { reason: "x" }
            : {},
      }),
    });

  it("covers every platform route", () => {
    expect(platformRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [
        "DELETE /platform/organizations/{organization_id}",
        "DELETE /platform/webhooks/{webhook_id}",
        "GET /platform/events",
        "GET /platform/organizations",
        "GET /platform/organizations/{organization_id}",
        "GET /platform/organizations/{organization_id}/move",
        "PATCH /platform/organizations/{organization_id}/metadata",
        "POST /platform/organizations/{organization_id}/move",
        "POST /platform/organizations/{organization_id}/reactivate",
        "POST /platform/organizations/{organization_id}/suspend",
        "GET /platform/webhooks",
        "GET /platform/webhooks/{webhook_id}/messages",
        "PATCH /platform/webhooks/{webhook_id}",
        "POST /platform/webhooks",
        "POST /platform/webhooks/{webhook_id}/replay",
        "POST /platform/webhooks/{webhook_id}/resend",
        "POST /platform/webhooks/{webhook_id}/rotate-secret",
        "GET /platform/organizations/{organization_id}/exports",
        "GET /platform/organizations/{organization_id}/exports/{export_id}",
        "POST /platform/organizations/restore",
        "POST /platform/organizations/{organization_id}/exports",
      ].sort(),
    );
  });

  it("no token is 401; a user's token, even an owner's, is the gateway's 403 (no role holds a platform scope)", async () => {
    const org = await signUp(`Users ${unique()}`);
    for (const route of platformRoutes) {
      const anonymous = await requestOf(route, org.id);
      expect(anonymous.status, `${route.method} ${route.path}`).toBe(401);
      const user = await requestOf(route, org.id, org.token);
      expect(user.status, `${route.method} ${route.path}`).toBe(403);
      expect(user.json).toEqual({ message: "Forbidden" });
    }
    expect(
      (await call("GET", `/platform/organizations/${org.id}`, { token: (await platformToken()).token })).status,
    ).toBe(200);
  });

  it("past the gateway, the function refuses a user's token with 401, and a read-only client's write with 403", async () => {
    const org = await signUp(`Bypass ${unique()}`);
    const readOnly = await platformToken(["platform:read"]);
    for (const route of platformRoutes) {
      const { handler } = (await import(`@org-service/functions/handlers/${route.handler}`)) as {
        handler: (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;
      };
      const invoke = (token: string) =>
        handler(
          buildHttpApiEvent({
            method: route.method,
            path: pathOf(route.path, org.id),
            routeKey: `${route.method} ${route.path}`,
            pathParameters: route.path.includes("{")
              ? { organization_id: org.id, ...(route.path.includes("{export_id}") && { export_id: "0".repeat(24) }) }
              : {},
            headers: {
              authorization: `Bearer ${token}`,
              ...(route.method !== "GET" && route.method !== "DELETE" && { "content-type": "application/json" }),
            },
            ...(route.method !== "GET" && route.method !== "DELETE" && { body: JSON.stringify(bodyOf(route)) }),
            claims: decodeJwt(token),
          }),
          lambdaContext(route.handler, `bypass-${unique()}`),
        );
      const user = await invoke(org.token);
      expect(user.statusCode, `${route.method} ${route.path}: ${user.body}`).toBe(401);
      if (route.scope === "platform:write") {
        const refused = await invoke(readOnly.token);
        expect(refused.statusCode, `${route.method} ${route.path}: ${refused.body}`).toBe(403);
        expect(JSON.parse(refused.body!).detail).toContain('"platform:write"');
      }
    }
    expect(await (await database()).organizations.countDocuments({ name: org.name })).toBe(1);
  });

  it("a platform:read token reads but the gateway refuses its writes with 403", async () => {
    const org = await signUp(`ReadOnly ${unique()}`);
    const { token } = await platformToken(["platform:read"]);
    for (const route of platformRoutes) {
      const answer = await requestOf(route, org.id, token);
      // Past the gateway, reads of things that do not exist answer 404 (a move never made, a webhook id no endpoint has).
      const expected =
        route.scope === "platform:write"
          ? [403]
          : route.path.endsWith("/move") || route.path.includes("{webhook_id}") || route.path.includes("{export_id}")
            ? [404]
            : [200];
      expect(expected, `${route.method} ${route.path}: ${answer.status} ${answer.text}`).toContain(answer.status);
    }
    expect((await call("GET", `/org/get${byName(org.name)}`)).status).toBe(200);
  });

  it("a revoked client's token is refused at its next request", async () => {
    const { clientId, token } = await platformToken(["platform:read"]);
    expect((await list(token)).status).toBe(200);
    await revokePlatformClient(clientId);
    const refused = await list(token);
    expect(refused.status).toBe(401);
    expect(refused.contentType).toBe("application/problem+json");
  });
});

describe("suspension", () => {
  it("a suspended organization is refused everywhere with its own problem, listed as such, and served again once reactivated", async () => {
    const { token } = await platformToken();
    const org = await signUp(`Suspended ${unique()}`);
    const suspended = await call("POST", `/platform/organizations/${org.id}/suspend`, {
      token,
      json: { reason: "unpaid invoice" },
    });
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.json).toMatchObject({ organization_id: org.id, status: "suspended", reason: "unpaid invoice" });

    for (const answer of [
      await call("GET", "/org/members", { token: org.token }),
      await call("GET", "/org/data/documents", { token: org.token }),
      await call("POST", "/admin/login", { json: { email: org.email, password: PASSWORD } }),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.json.type).toBe("urn:org-service:problem:organization-suspended");
    }
    const listed = await list(token, { status: "suspended", query: org.name });
    expect(listed.json.organizations).toEqual([
      expect.objectContaining({
        organization_id: org.id,
        status: "suspended",
        suspension: { reason: "unpaid invoice", suspended_at: expect.any(String) },
      }),
    ]);

    const reactivated = await call("POST", `/platform/organizations/${org.id}/reactivate`, { token });
    expect(reactivated.json).toEqual({ organization_id: org.id, status: "active" });
    // The same token as before: nothing was deleted.
    expect((await call("GET", "/org/members", { token: org.token })).status).toBe(200);
    expect((await list(token, { status: "suspended", query: org.name })).json.organizations).toEqual([]);
  });
});

describe("metadata", () => {
  it("the operator's public metadata reaches the members, the private one only platform clients; merged, null deletes", async () => {
    const { token } = await platformToken();
    const org = await signUp(`Metadata ${unique()}`);
    const patch = (json: unknown, bearer = token) =>
      call("PATCH", `/platform/organizations/${org.id}/metadata`, { token: bearer, json });
    const first = await patch({ public_metadata: { plan: "pro", seats: 10 }, private_metadata: { billing: "cus_1" } });
    expect(first.status, first.text).toBe(200);
    const second = await patch({ public_metadata: { seats: null, region: "eu" } });
    expect(second.json).toEqual({
      organization_id: org.id,
      public_metadata: { plan: "pro", region: "eu" },
      private_metadata: { billing: "cus_1" },
    });

    const viewed = await call("GET", `/org/get${byName(org.name)}`, { token: org.token });
    expect(viewed.json.public_metadata).toEqual({ plan: "pro", region: "eu" });
    expect(viewed.text).not.toContain("cus_1");
    const me = await call("GET", "/me", { token: org.token });
    expect(me.json.memberships).toEqual([expect.objectContaining({ public_metadata: { plan: "pro", region: "eu" } })]);
    expect(me.text).not.toContain("cus_1");
    // Anyone else sees neither.
    expect((await call("GET", `/org/get${byName(org.name)}`)).json).not.toHaveProperty("public_metadata");
    const listed = await list(token, { query: org.name });
    expect(listed.json.organizations[0]).toMatchObject({ private_metadata: { billing: "cus_1" } });

    // The document API's key rules, 8 KiB at most, and organizations write neither.
    expect((await patch({ public_metadata: { $where: 1 } })).status).toBe(422);
    expect((await patch({ private_metadata: { "a.b": 1 } })).status).toBe(422);
    expect((await patch({ public_metadata: ["not", "an", "object"] })).status).toBe(422);
    const tooLarge = await patch({ private_metadata: { blob: "x".repeat(9000) } });
    expect(tooLarge.status).toBe(413);
    expect((await patch({ public_metadata: { plan: "free" } }, org.token)).status).toBe(403);
    expect((await call("GET", `/org/get${byName(org.name)}`, { token: org.token })).json.public_metadata.plan).toBe(
      "pro",
    );
  });

  it("twenty patches at once all land", async () => {
    const { token } = await platformToken();
    const org = await signUp(`Concurrent ${unique()}`);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("PATCH", `/platform/organizations/${org.id}/metadata`, {
          token,
          json: { private_metadata: { [`key${i}`]: i } },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const listed = await list(token, { query: org.name });
    expect(Object.keys(listed.json.organizations[0].private_metadata)).toHaveLength(20);
  });

  it("a platform token reaches no organization's data, members or clients", async () => {
    const { token } = await platformToken();
    for (const path of ["/org/data/documents", "/org/members", "/org/clients", "/me"]) {
      expect((await call("GET", path, { token })).status, path).toBe(403);
    }
  });
});
