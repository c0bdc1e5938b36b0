import { resetConfig } from "@org-service/core";
import { mailedToken, startTestDnsServer, type TestDnsServer } from "@org-service/core/testing";
import {
  domainClaimSchema,
  joinableOrganizationsSchema,
  joinedMembershipSchema,
  joinRequestApprovedSchema,
  joinRequestPageSchema,
  joinRequestSchema,
} from "@org-service/functions/domains";
import { decodeJwt } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * Verified domains and joining by domain over HTTP, the way a dashboard would drive them: an owner
 * claims a domain, publishes its TXT record (in a DNS server of the test's, which the service asks
 * through DNS_SERVERS) and verifies it; a user who verified an email in that domain (by the mailed
 * link) finds the organization in `GET /me/joinable-organizations` and joins it, then switches to
 * it; in suggest mode, an admin approves the request. Every answer is parsed with its documented
 * schema.
 */
let dns: TestDnsServer;
const server = useLocalServer({
  bcryptCost: 4,
  prepare: async () => {
    dns = await startTestDnsServer();
    process.env.DNS_SERVERS = dns.address;
  },
});
afterAll(async () => {
  delete process.env.DNS_SERVERS;
  resetConfig();
  await dns.close();
});
const call = httpClient(server.url);

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;
const PASSWORD = "domain-password-1";

function expectAnswer(answer: HttpAnswer, status: number, schema?: { safeParse(value: unknown): { error?: unknown } }) {
  expect(answer.status, answer.text).toBe(status);
  if (schema) expect(schema.safeParse(answer.json).error, answer.text).toBeUndefined();
  return answer.json;
}

/** A sign-up and its login: an organization of the user's own. */
async function signUp(email: string) {
  const name = `Domains ${unique()}`;
  expectAnswer(
    await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } }),
    201,
  );
  const login = await call("POST", "/admin/login", { json: { email, password: PASSWORD, organization_name: name } });
  return { name, email, token: expectAnswer(login, 200).access_token as string };
}

/** A user whose address in `domain` is verified by the link mailed at sign-up (the outbox: no mail transport here). */
async function verifiedUserIn(domain: string) {
  const user = await signUp(`ana.${unique()}@${domain}`);
  expectAnswer(await call("POST", "/auth/verify-email", { json: { token: mailedToken(user.email, "verify") } }), 200);
  return user;
}

/** An owner holding a verified domain in `mode`, through the API: claim, publish, verify, set the mode. */
async function ownerHolding(mode: "auto-join" | "suggest") {
  const owner = await signUp(`owner.${unique()}@owners.example`);
  const domain = `acme-${unique()}.example`;
  const claim = expectAnswer(
    await call("POST", "/org/domains", { token: owner.token, json: { domain: domain.toUpperCase() } }),
    201,
    domainClaimSchema,
  );
  expect(claim).toMatchObject({ domain, state: "pending", record: { name: `_org-service-verification.${domain}` } });

  // Not published yet: a problem naming what to publish.
  const early = await call("POST", `/org/domains/${domain}/verify`, { token: owner.token });
  expect(early.status, early.text).toBe(422);
  expect(early.contentType).toBe("application/problem+json");
  expect(early.json.record).toEqual(claim.record);

  dns.setTxt(claim.record.name, ["v=spf1 -all", claim.record.value]);
  const verified = expectAnswer(
    await call("POST", `/org/domains/${domain}/verify`, { token: owner.token }),
    200,
    domainClaimSchema,
  );
  expect(verified).toMatchObject({ state: "verified", verified_at: expect.any(String) });
  expectAnswer(
    await call("PATCH", `/org/domains/${domain}`, { token: owner.token, json: { join_mode: mode } }),
    200,
    domainClaimSchema,
  );
  return { ...owner, domain };
}

describe("joining an organization by a verified email domain", () => {
  it("auto-join: verified by DNS, found by a verified address in the domain, joined, switched to", async () => {
    const owner = await ownerHolding("auto-join");
    const listed = expectAnswer(await call("GET", "/org/domains", { token: owner.token }), 200);
    expect(listed.domains).toEqual([expect.objectContaining({ domain: owner.domain, join_mode: "auto-join" })]);

    // An address in the domain that is not verified: nothing to join, and joining is refused.
    const unverified = await signUp(`bob.${unique()}@${owner.domain}`);
    expect(expectAnswer(await call("GET", "/me/joinable-organizations", { token: unverified.token }), 200)).toEqual({
      organizations: [],
    });

    const user = await verifiedUserIn(owner.domain);
    const joinable = expectAnswer(
      await call("GET", "/me/joinable-organizations", { token: user.token }),
      200,
      joinableOrganizationsSchema,
    );
    expect(joinable.organizations).toEqual([
      {
        organization_id: expect.any(String),
        organization_name: owner.name,
        join_mode: "auto-join",
        domain: owner.domain,
      },
    ]);
    const organizationId = joinable.organizations[0].organization_id as string;
    const refused = await call("POST", `/me/joinable-organizations/${organizationId}/join`, {
      token: unverified.token,
    });
    expect(refused.status).toBe(403);
    expect(refused.json.type).toBe("urn:org-service:problem:email-not-verified");

    const joined = expectAnswer(
      await call("POST", `/me/joinable-organizations/${organizationId}/join`, { token: user.token }),
      201,
      joinedMembershipSchema,
    );
    expect(joined).toMatchObject({ organization_id: organizationId, role: "member" });
    expectAnswer(await call("POST", `/me/joinable-organizations/${organizationId}/join`, { token: user.token }), 409);
    expect((await call("GET", "/me/joinable-organizations", { token: user.token })).json.organizations).toEqual([]);

    const switched = expectAnswer(
      await call("POST", "/auth/switch", { token: user.token, json: { organization_name: owner.name } }),
      200,
    );
    expect(decodeJwt(switched.access_token)).toMatchObject({ org: organizationId, role: "member" });
    const audit = expectAnswer(await call("GET", "/org/audit", { token: owner.token }), 200);
    expect(audit.entries.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining([
        "domain.claimed",
        "domain.verified",
        "domain.join_mode_changed",
        "member.joined_by_domain",
      ]),
    );
  });

  it("suggest: the user asks, an admin approves, the user is a member", async () => {
    const owner = await ownerHolding("suggest");
    const invited = await call("POST", "/org/invitations", {
      token: owner.token,
      json: { email: `admin.${unique()}@admins.example`, role: "admin" },
    });
    const accepted = await call("POST", "/invitations/accept", {
      json: { token: expectAnswer(invited, 201).token, password: PASSWORD },
    });
    const admin = expectAnswer(accepted, 200).access_token as string;

    const user = await verifiedUserIn(owner.domain);
    const [target] = (await call("GET", "/me/joinable-organizations", { token: user.token })).json.organizations;
    expect(target).toMatchObject({ join_mode: "suggest" });
    const asked = expectAnswer(
      await call("POST", `/me/joinable-organizations/${target.organization_id}/join`, { token: user.token }),
      202,
      joinRequestSchema,
    );
    expect(asked).toMatchObject({ state: "pending", email: user.email, domain: owner.domain });

    // The admin sees the request and approves it (a member may do neither: below).
    const pending = expectAnswer(await call("GET", "/org/join-requests", { token: admin }), 200, joinRequestPageSchema);
    expect(pending.requests).toEqual([expect.objectContaining({ request_id: asked.request_id, state: "pending" })]);
    const approved = expectAnswer(
      await call("POST", `/org/join-requests/${asked.request_id}/approve`, { token: admin }),
      200,
      joinRequestApprovedSchema,
    );
    expect(approved).toMatchObject({ request: { state: "approved" }, membership: { role: "member" } });
    expectAnswer(await call("POST", `/org/join-requests/${asked.request_id}/decline`, { token: admin }), 409);
    const switched = await call("POST", "/auth/switch", { token: user.token, json: { organization_name: owner.name } });
    expect(decodeJwt(expectAnswer(switched, 200).access_token)).toMatchObject({ role: "member" });
    const member = switched.json.access_token as string;
    expect((await call("GET", "/org/join-requests", { token: member })).status).toBe(403);
    expect((await call("GET", "/org/domains", { token: member })).status).toBe(403);
  });

  it("bad input is a 4xx problem, never a 500; DNS failing is a 503 with Retry-After", async () => {
    const owner = await signUp(`owner.${unique()}@owners.example`);
    for (const domain of ["co.uk", "127.0.0.1", "a/b.example", "localhost", ""]) {
      const refused = await call("POST", "/org/domains", { token: owner.token, json: { domain } });
      expect(refused.status, domain).toBe(422);
      expect(refused.contentType).toBe("application/problem+json");
    }
    expect((await call("POST", "/org/domains", { token: owner.token, json: { domain: 42 } })).status).toBe(422);
    expect((await call("POST", "/org/domains/co.uk/verify", { token: owner.token })).status).toBe(422);
    expect((await call("POST", "/org/domains/unclaimed.example/verify", { token: owner.token })).status).toBe(404);
    expect((await call("POST", "/me/joinable-organizations/nope/join", { token: owner.token })).status).toBe(422);
    expect((await call("POST", "/org/join-requests/nope/approve", { token: owner.token })).status).toBe(422);
    expect((await call("GET", "/org/join-requests?state=maybe", { token: owner.token })).status).toBe(422);

    const domain = `flaky-${unique()}.example`;
    const claim = (await call("POST", "/org/domains", { token: owner.token, json: { domain } })).json;
    dns.fail(claim.record.name, "servfail");
    const failed = await call("POST", `/org/domains/${domain}/verify`, { token: owner.token });
    expect(failed.status, failed.text).toBe(503);
    expect(failed.json.type).toBe("urn:org-service:problem:upstream-unavailable");
    expect(Number(failed.headers.get("retry-after"))).toBeGreaterThan(0);
    dns.clear(claim.record.name);
    expectAnswer(await call("DELETE", `/org/domains/${domain}`, { token: owner.token }), 200);
    expect((await call("GET", "/org/domains", { token: owner.token })).json.domains).toEqual([]);
  });
});
