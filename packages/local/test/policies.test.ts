import { totpCode } from "@org-service/core/testing";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { byName, type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * An organization's security policies over real HTTP, as its owner sets them and its members meet
 * them: two-factor login required (the restricted token, the gateway's and the function's refusals,
 * enrolling, the refresh that lifts it), a minimum password length, invitation domains, and who
 * sees the policies.
 */
const server = useLocalServer({ bcryptCost: 4 });
const call = httpClient(server.url);
const PASSWORD = "password-123"; // 12 bytes

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

const PROBLEM = "application/problem+json";
const problemType = (name: string) => `urn:org-service:problem:${name}`;

function expectProblem(answer: HttpAnswer, status: number, type: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toBe(PROBLEM);
  expect(answer.json.type).toBe(problemType(type));
}

async function login(email: string, password = PASSWORD): Promise<HttpAnswer> {
  return call("POST", "/admin/login", { json: { email, password } });
}

/** An organization, its owner's token, and `join` to add someone by invitation (a new account). */
async function organization() {
  const name = `Policies ${unique()}`;
  const ownerEmail = `owner.${unique()}@policies.example`;
  const created = await call("POST", "/org/create", {
    json: { organization_name: name, email: ownerEmail, password: PASSWORD },
  });
  expect(created.status, created.text).toBe(201);
  const owner = (await login(ownerEmail)).json.access_token as string;
  const invite = (email: string, role = "member") =>
    call("POST", "/org/invitations", { token: owner, json: { email, role } });
  const join = async (role = "member") => {
    const email = `${role}.${unique()}@policies.example`;
    const invited = await invite(email, role);
    expect(invited.status, invited.text).toBe(201);
    const accepted = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: PASSWORD },
    });
    expect(accepted.status, accepted.text).toBe(200);
    return { email, token: accepted.json.access_token as string };
  };
  const setPolicies = (json: unknown, token = owner) => call("PATCH", "/org/policies", { token, json });
  return { name, owner, invite, join, setPolicies };
}

describe("PATCH /org/policies", () => {
  it("is the owners': an admin's token is refused by the gateway, a bad value is a 422 problem, any subset is taken", async () => {
    const { join, setPolicies } = await organization();
    const admin = await join("admin");
    expect((await setPolicies({ require_mfa: true }, admin.token)).status).toBe(403);
    for (const body of [
      {},
      { min_password_length: 7 },
      { min_password_length: 73 },
      { invitation_domains: ["127.0.0.1"] },
      { invitation_domains: ["localhost"] },
      // The rule of claimed domains: a public suffix names nobody's mail.
      { invitation_domains: ["co.uk"] },
      { invitation_domains: ["*.policies.example"] },
      { require_mfa: "yes" },
      { unknown: 1 },
    ]) {
      expectProblem(await setPolicies(body), 422, "validation-failed");
    }
    const set = await setPolicies({ min_password_length: 14 });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toEqual({ require_mfa: false, min_password_length: 14, invitation_domains: [] });
    const more = await setPolicies({ invitation_domains: ["Policies.Example", "policies.example", "Bücher.Example"] });
    expect(more.json).toEqual({
      require_mfa: false,
      min_password_length: 14,
      invitation_domains: ["policies.example", "xn--bcher-kva.example"],
    });
  });
});

describe("require_mfa, as a member meets it", () => {
  it("login answers a restricted token; data routes are refused; enrolling and a refresh give a full token", async () => {
    const { name, join, setPolicies } = await organization();
    const member = await join();
    expect((await setPolicies({ require_mfa: true })).status).toBe(200);

    const session = await login(member.email);
    expect(session.status, session.text).toBe(200);
    expect(session.json.mfa_enrollment_required).toBe(true);
    const restricted = session.json.access_token as string;
    expect(decodeJwt(restricted)).toMatchObject({ mfa_enrollment_required: true, scope: "org:read profile:write" });

    // A data route's scope is not in the token: the gateway refuses it (its own `{message}`)...
    const documents = await call("GET", "/org/data/documents", { token: restricted });
    expect(documents.status).toBe(403);
    expect(documents.json).toEqual({ message: "Forbidden" });
    // ...and a route whose scope it carries, the function refuses with the problem that says what to do.
    const members = await call("GET", "/org/members", { token: restricted });
    expectProblem(members, 403, "mfa-enrollment-required");
    expect(members.json.detail).toContain("POST /me/mfa/totp");
    expectProblem(
      await call("POST", "/auth/switch", { token: restricted, json: { organization_name: name } }),
      403,
      "mfa-enrollment-required",
    );
    // Refreshing without enrolling changes nothing.
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: session.json.refresh_token } });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.json.mfa_enrollment_required).toBe(true);
    const stillRestricted = refreshed.json.access_token as string;
    expect(decodeJwt(stillRestricted).scope).toBe("org:read profile:write");

    // What it is for: who am I, the organization's policies, and enrolling.
    expect((await call("GET", "/me", { token: stillRestricted })).status).toBe(200);
    const shown = await call("GET", `/org/get${byName(name)}`, { token: stillRestricted });
    expect(shown.json.policies).toEqual({ require_mfa: true, min_password_length: null, invitation_domains: [] });
    const enrollment = await call("POST", "/me/mfa/totp", { token: stillRestricted });
    expect(enrollment.status, enrollment.text).toBe(200);
    const verified = await call("POST", "/me/mfa/totp/verify", {
      token: stillRestricted,
      json: { code: totpCode(enrollment.json.secret as string) },
    });
    expect(verified.status, verified.text).toBe(200);

    const full = await call("POST", "/auth/refresh", { json: { refresh_token: refreshed.json.refresh_token } });
    expect(full.status, full.text).toBe(200);
    expect(full.json).not.toHaveProperty("mfa_enrollment_required");
    const claims = decodeJwt(full.json.access_token as string);
    expect(claims).not.toHaveProperty("mfa_enrollment_required");
    expect(claims.scope).toBe("org:read profile:write data:read data:write");
    const listed = await call("GET", "/org/data/documents", { token: full.json.access_token as string });
    expect(listed.status, listed.text).toBe(200);
  });

  it("GET /org/get shows the policies to members, not to anonymous callers", async () => {
    const { name, owner, setPolicies } = await organization();
    await setPolicies({ invitation_domains: ["policies.example"] });
    const anonymous = await call("GET", `/org/get${byName(name)}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.json).not.toHaveProperty("policies");
    const member = await call("GET", `/org/get${byName(name)}`, { token: owner });
    expect(member.json.policies).toEqual({
      require_mfa: false,
      min_password_length: null,
      invitation_domains: ["policies.example"],
    });
  });
});

describe("min_password_length and invitation_domains over HTTP", () => {
  it("a shorter existing password is asked to change at login; a short new one is a 422 at accept", async () => {
    const { invite, join, setPolicies } = await organization();
    const member = await join();
    expect((await setPolicies({ min_password_length: 16 })).status).toBe(200);

    const refused = await login(member.email);
    expectProblem(refused, 403, "password-change-required");
    expect(refused.json.min_password_length).toBe(16);
    expect(refused.json).not.toHaveProperty("access_token");
    // Without the password, nothing but the usual 401.
    expectProblem(await login(member.email, "wrong-password-1"), 401, "invalid-credentials");

    const invited = await invite(`new.${unique()}@policies.example`);
    const short = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: PASSWORD },
    });
    expectProblem(short, 422, "validation-failed");
    expect(short.json.errors).toEqual([{ path: "password", message: expect.stringContaining("at least 16 bytes") }]);
    const long = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: "sixteen-bytes-16" },
    });
    expect(long.status, long.text).toBe(200);
  });

  it("an invitation outside the domains is refused, and so is accepting one sent before they were set", async () => {
    const { invite, setPolicies } = await organization();
    const early = await invite(`early.${unique()}@elsewhere.example`);
    expect(early.status).toBe(201);
    expect((await setPolicies({ invitation_domains: ["policies.example"] })).status).toBe(200);

    const outside = await invite(`late.${unique()}@elsewhere.example`);
    expectProblem(outside, 422, "validation-failed");
    expect(outside.json.errors[0]).toEqual({ path: "email", message: expect.stringContaining("policies.example") });
    expectProblem(
      await call("POST", "/invitations/accept", { json: { token: early.json.token, password: PASSWORD } }),
      403,
      "forbidden",
    );
    expect((await invite(`inside.${unique()}@policies.example`)).status).toBe(201);
  });
});
