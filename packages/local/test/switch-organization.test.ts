import { database, totpCode } from "@org-service/core/testing";
import { ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * `GET /me/organizations` and `POST /auth/switch` over real HTTP (the local authorizer, then the
 * functions) on the shared database: listing one's organizations, and opening a session for
 * another of them with the current session instead of the password.
 */
const server = useLocalServer();
const call = httpClient(server.url);
const PASSWORD = "password-123";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function create(name: string): Promise<{ name: string; email: string; token: string }> {
  const email = `owner.${unique()}@switch.example`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  return { name, email, token: (await login(email, name)).json.access_token };
}

async function login(email: string, organizationName?: string): Promise<HttpAnswer> {
  const answer = await call("POST", "/admin/login", {
    json: { email, password: PASSWORD, ...(organizationName && { organization_name: organizationName }) },
  });
  expect(answer.status, answer.text).toBe(200);
  return answer;
}

/** Invite `email` as `role` with `inviter`'s token and accept with the password (a new account, or an existing one's). */
async function join(inviter: string, email: string, role: "admin" | "member"): Promise<HttpAnswer> {
  const invited = await call("POST", "/org/invitations", { token: inviter, json: { email, role } });
  expect(invited.status, invited.text).toBe(201);
  const accepted = await call("POST", "/invitations/accept", {
    json: { token: invited.json.token, password: PASSWORD },
  });
  expect(accepted.status, accepted.text).toBe(200);
  return accepted;
}

const switchTo = (token: string, organizationName: string) =>
  call("POST", "/auth/switch", { token, json: { organization_name: organizationName } });

/** The access token's claims (the gateway and the functions verified it; here it is only read). */
function claimsOf(token: string): Record<string, string> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

/** A user who is an admin of Alpha and a member of Beta, logged into Alpha. */
let alpha: Awaited<ReturnType<typeof create>>;
let beta: Awaited<ReturnType<typeof create>>;
let user: { email: string; userId: string; token: string; sessionId: string };

beforeAll(async () => {
  const run = unique();
  alpha = await create(`Alpha ${run}`);
  beta = await create(`Beta ${run}`);
  const email = `user.${unique()}@switch.example`;
  await join(alpha.token, email, "admin");
  const member = await join(beta.token, email, "member");
  const session = await login(email, alpha.name);
  user = {
    email,
    userId: member.json.user_id,
    token: session.json.access_token,
    sessionId: session.json.session_id,
  };
});

describe("GET /me/organizations", () => {
  it("lists the caller's organizations by name, with their role in each and the token's marked current", async () => {
    const listed = await call("GET", "/me/organizations", { token: user.token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    const me = await call("GET", "/me", { token: user.token });
    const ids = Object.fromEntries(
      me.json.memberships.map((m: { organization_name: string; organization_id: string }) => [
        m.organization_name,
        m.organization_id,
      ]),
    );
    expect(listed.json).toEqual({
      organizations: [
        {
          organization_id: ids[alpha.name],
          organization_name: alpha.name,
          slug: expect.stringMatching(/^alpha_/),
          role: "admin",
          current: true,
        },
        {
          organization_id: ids[beta.name],
          organization_name: beta.name,
          slug: expect.stringMatching(/^beta_/),
          role: "member",
          current: false,
        },
      ],
    });
    expect((await call("GET", "/me/organizations", {})).status).toBe(401);
  });
});

describe("POST /auth/switch", () => {
  it("opens a new session for the other organization, with its role; the current session stays", async () => {
    const switched = await switchTo(user.token, beta.name);
    expect(switched.status, switched.text).toBe(200);
    expect(switched.headers.get("cache-control")).toBe("no-store");
    expect(switched.json).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      refresh_expires_in: expect.any(Number),
      session_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      user_id: user.userId,
      admin_id: user.userId,
      role: "member",
      organization_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      organization_name: beta.name,
    });
    const claims = claimsOf(switched.json.access_token);
    const before = claimsOf(user.token);
    expect(claims).toMatchObject({
      sub: user.userId,
      org: switched.json.organization_id,
      role: "member",
      sid: switched.json.session_id,
    });
    expect(claims.org).not.toBe(before.org);
    expect(claims.sid).not.toBe(before.sid);
    expect(switched.json.session_id).not.toBe(user.sessionId);

    // The new token works in the target organization, as a member of it.
    const members = await call("GET", "/org/members", { token: switched.json.access_token });
    expect(members.status, members.text).toBe(200);
    expect(members.json.members.map((m: { user_id: string }) => m.user_id)).toContain(user.userId);
    const listed = await call("GET", "/me/organizations", { token: switched.json.access_token });
    expect(listed.json.organizations.find((o: { current: boolean }) => o.current).organization_name).toBe(beta.name);

    // The old session is untouched: switching is logging into a second organization.
    const still = await call("GET", "/org/members", { token: user.token });
    expect(still.status, still.text).toBe(200);
    const sessions = await call("GET", "/me/sessions", { token: user.token });
    const ids = sessions.json.sessions.map((s: { session_id: string }) => s.session_id);
    expect(ids).toEqual(expect.arrayContaining([user.sessionId, switched.json.session_id]));

    // Refreshing the new session keeps it in the target organization.
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: switched.json.refresh_token } });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(claimsOf(refreshed.json.access_token)).toMatchObject({ org: claims.org, role: "member" });

    // Recorded in the target organization's audit log.
    const audit = await call("GET", "/org/audit", { token: beta.token });
    expect(audit.status, audit.text).toBe(200);
    expect(audit.json.entries.find((e: { action: string }) => e.action === "session.switched")).toMatchObject({
      admin_id: user.userId,
      email: user.email,
      details: {
        session_id: switched.json.session_id,
        from_session_id: user.sessionId,
        from_organization_id: before.org,
        mfa: false,
      },
    });
  });

  it("an admin of one organization who is a member of another gets a member's scopes there: no inviting", async () => {
    const switched = await switchTo(user.token, beta.name);
    expect(switched.status, switched.text).toBe(200);
    const invite = (token: string) =>
      call("POST", "/org/invitations", { token, json: { email: `new.${unique()}@switch.example`, role: "member" } });
    expect(claimsOf(switched.json.access_token).scope?.split(" ")).not.toContain("members:manage");
    const refused = await invite(switched.json.access_token);
    expect(refused.status, refused.text).toBe(403);
    // The same user's token of the organization they administer may.
    expect((await invite(user.token)).status).toBe(201);
  });

  it("not a member and no such organization are one answer: same status, same body", async () => {
    const other = await create(`Gamma ${unique()}`);
    const db = await database();
    const sessionsOfUser = () => db.sessions.countDocuments({ user_id: new ObjectId(user.userId) });
    const before = await sessionsOfUser();
    const notMember = await switchTo(user.token, other.name);
    const nowhere = await switchTo(user.token, `Nowhere ${unique()}`);
    expect(notMember.status).toBe(404);
    expect(nowhere.status).toBe(notMember.status);
    expect(nowhere.contentType).toBe(notMember.contentType);
    expect(notMember.contentType).toBe("application/problem+json");
    expect(nowhere.text).toBe(notMember.text);
    expect(notMember.text).not.toContain(other.name);
    // Neither opened a session (nor a code step: the user has no second factor).
    expect(await sessionsOfUser()).toBe(before);
  });

  it("switching to the organization the token is for already opens a fresh session there", async () => {
    const again = await switchTo(user.token, alpha.name.toUpperCase());
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ organization_name: alpha.name, role: "admin" });
    expect(again.json.session_id).not.toBe(user.sessionId);
    expect(claimsOf(again.json.access_token).org).toBe(claimsOf(user.token).org);
  });

  it("a session that ended cannot switch: 401", async () => {
    const session = await login(user.email, alpha.name);
    const out = await call("POST", "/auth/logout", { token: session.json.access_token });
    expect(out.status, out.text).toBe(200);
    const refused = await switchTo(session.json.access_token, beta.name);
    expect(refused.status, refused.text).toBe(401);
    expect(refused.contentType).toBe("application/problem+json");
    expect((await switchTo("", beta.name)).status).toBe(401);
  });

  it("the body is validated: a malformed name or an unknown field is a 422", async () => {
    expect((await switchTo(user.token, "")).status).toBe(422);
    const extra = await call("POST", "/auth/switch", {
      token: user.token,
      json: { organization_name: beta.name, password: PASSWORD },
    });
    expect(extra.status).toBe(422);
  });

  it("two-factor login: a session that did not pass it gets the code step; one that did switches directly", async () => {
    const run = unique();
    const home = await create(`Home ${run}`);
    const away = await create(`Away ${run}`);
    const email = `mfa.${unique()}@switch.example`;
    await join(home.token, email, "member");
    await join(away.token, email, "member");
    const token = (await login(email, home.name)).json.access_token;
    const enrollment = await call("POST", "/me/mfa/totp", { token });
    expect(enrollment.status, enrollment.text).toBe(200);
    const secret = enrollment.json.secret as string;
    const verified = await call("POST", "/me/mfa/totp/verify", { token, json: { code: totpCode(secret) } });
    expect(verified.status, verified.text).toBe(200);

    // This session was opened with the password alone: the switch asks for the code.
    const step = await switchTo(token, away.name);
    expect(step.status, step.text).toBe(200);
    expect(step.json).toEqual({ mfa_required: true, mfa_token: expect.any(String), expires_in: 300 });
    // Not a member elsewhere: the same 404 as for anyone, no code step.
    expect((await switchTo(token, `Nowhere ${unique()}`)).status).toBe(404);

    // The verify spent the current step's code; the next step's is accepted (one step early).
    const completed = await call("POST", "/auth/mfa", {
      json: { mfa_token: step.json.mfa_token, code: totpCode(secret, new Date(Date.now() + 30_000)) },
    });
    expect(completed.status, completed.text).toBe(200);
    expect(completed.json).toMatchObject({ organization_name: away.name, role: "member" });
    const awayToken = completed.json.access_token as string;
    expect(claimsOf(awayToken).org).toBe(claimsOf(away.token).org);
    const sessions = await call("GET", "/me/sessions", { token: awayToken });
    expect(sessions.json.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({ mfa: true });

    // A session that passed the second factor switches back without it, and the new one has passed it too.
    const back = await switchTo(awayToken, home.name);
    expect(back.status, back.text).toBe(200);
    expect(back.json).toMatchObject({ organization_name: home.name, role: "member" });
    const backSessions = await call("GET", "/me/sessions", { token: back.json.access_token });
    expect(backSessions.json.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({
      session_id: back.json.session_id,
      mfa: true,
    });
  });
});
