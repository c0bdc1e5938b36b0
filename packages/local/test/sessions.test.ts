import { pages, ProblemError, Session } from "@org-service/client";
import { database, totpCode } from "@org-service/core/testing";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { refusal } from "./support/client";
import { byName, type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/** Sessions, refresh tokens and two-factor login over real HTTP: the local authorizer, then the functions. */
const server = useLocalServer();
const call = httpClient(server.url);
const PASSWORD = "password-123";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function signUp() {
  const name = `Sessions ${unique()}`;
  const email = `owner.${unique()}@sessions.example`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password: PASSWORD } });
  expect(created.status, created.text).toBe(201);
  return { name, email };
}

async function login(email: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const answer = await call("POST", "/admin/login", { json: { email, password: PASSWORD }, headers });
  expect(answer.status, answer.text).toBe(200);
  return answer;
}

const refresh = (refreshToken: string) => call("POST", "/auth/refresh", { json: { refresh_token: refreshToken } });

/** The function's own refusal of a token whose session ended (the gateway passed its signature). */
function expectRevoked(answer: HttpAnswer): void {
  expect(answer.status, answer.text).toBe(401);
  expect(answer.contentType).toBe("application/problem+json");
}

describe("login and refresh", () => {
  it("login answers a session; a refresh rotates both tokens; the old refresh token is a reuse that ends the session", async () => {
    const { email } = await signUp();
    const first = await login(email, { "user-agent": "sessions-test/1.0" });
    expect(first.json).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      refresh_expires_in: 7 * 86_400,
      session_id: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    const next = await refresh(first.json.refresh_token);
    expect(next.status, next.text).toBe(200);
    expect(next.headers.get("cache-control")).toBe("no-store");
    expect(next.json.session_id).toBe(first.json.session_id);
    expect(next.json.refresh_token).not.toBe(first.json.refresh_token);
    expect((await call("GET", "/me", { token: next.json.access_token })).status).toBe(200);

    const reused = await refresh(first.json.refresh_token);
    expect(reused.status).toBe(401);
    expect(reused.contentType).toBe("application/problem+json");
    expectRevoked(await call("GET", "/me", { token: next.json.access_token }));
    expect((await refresh(next.json.refresh_token)).status).toBe(401);
  });

  it("twenty parallel refreshes with one token: exactly one 200", async () => {
    const { email } = await signUp();
    const { json } = await login(email);
    const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(json.refresh_token)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(19);
  });

  it("a session idle for too long, or past its absolute end, refreshes no more and its token is refused", async () => {
    const { email } = await signUp();
    const db = await database();
    for (const field of ["idle_expires_at", "expires_at"] as const) {
      const { json } = await login(email);
      // Moving the session's end into the past is what SESSION_IDLE_DAYS or SESSION_TTL_DAYS of waiting does.
      await db.sessions.updateOne(
        { _id: new ObjectId(json.session_id) },
        { $set: { [field]: new Date(Date.now() - 1000) } },
      );
      expectRevoked(await call("GET", "/me", { token: json.access_token }));
      expect((await refresh(json.refresh_token)).status).toBe(401);
    }
  });

  it("logout: the access token is refused from the next request on, the refresh token is dead", async () => {
    const { email } = await signUp();
    const { json } = await login(email);
    const out = await call("POST", "/auth/logout", { token: json.access_token });
    expect(out.status, out.text).toBe(200);
    expect(out.json).toEqual({ logged_out: true });
    expectRevoked(await call("GET", "/me", { token: json.access_token }));
    expect((await refresh(json.refresh_token)).status).toBe(401);
    expect((await call("POST", "/auth/logout", {})).status).toBe(401);
  });
});

describe("the session list", () => {
  it("shows the caller's own sessions only; revokes one (another user's: 404) or all the others", async () => {
    const { email } = await signUp();
    const stranger = await login((await signUp()).email);
    const a = await login(email, { "user-agent": "browser-a" });
    const b = await login(email, { "user-agent": "browser-b" });
    const c = await login(email);

    const listed = await call("GET", "/me/sessions", { token: a.json.access_token });
    expect(listed.status, listed.text).toBe(200);
    const ids = listed.json.sessions.map((s: { session_id: string }) => s.session_id);
    expect(ids.sort()).toEqual([a.json.session_id, b.json.session_id, c.json.session_id].sort());
    expect(ids).not.toContain(stranger.json.session_id);
    const mine = listed.json.sessions.find((s: { session_id: string }) => s.session_id === a.json.session_id);
    expect(mine).toMatchObject({ current: true, user_agent: "browser-a", source_ip: "127.0.0.1", mfa: false });
    expect(listed.json.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    const theirs = await call("DELETE", `/me/sessions/${stranger.json.session_id}`, { token: a.json.access_token });
    expect(theirs.status).toBe(404);
    expect((await call("GET", "/me", { token: stranger.json.access_token })).status).toBe(200);

    const one = await call("DELETE", `/me/sessions/${b.json.session_id}`, { token: a.json.access_token });
    expect(one.status, one.text).toBe(200);
    expectRevoked(await call("GET", "/me", { token: b.json.access_token }));

    const others = await call("DELETE", "/me/sessions", { token: a.json.access_token });
    expect(others.json).toEqual({ revoked: 1 });
    expectRevoked(await call("GET", "/me", { token: c.json.access_token }));
    expect((await call("GET", "/me", { token: a.json.access_token })).status).toBe(200);
  });
});

describe("the session list, a page at a time", () => {
  it("pages by last use: every session once, the most recently used first; a forged cursor is a 422", async () => {
    const { email } = await signUp();
    const logins = [];
    for (let i = 0; i < 5; i++) logins.push(await login(email));
    const session = new Session({ baseUrl: server.url() });
    await session.login({ email, password: PASSWORD });

    const pages: string[][] = [];
    for await (const page of pages_(session, 2)) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
    const listed = pages.flat();
    // The paging session is used by every page, so it stays first; the logins follow, newest first.
    expect(listed[0]).toBe(session.tokens?.sessionId);
    expect(listed.slice(1)).toEqual(logins.map((answer) => answer.json.session_id).reverse());

    for (const cursor of ["nope", "1_zz", `${Date.now()}_${"g".repeat(24)}`]) {
      const refused = await refusal(session.client.GET("/me/sessions", { params: { query: { cursor } } }));
      expect(refused.status).toBe(422);
      expect(refused.problem).toMatchObject({ errors: [expect.objectContaining({ path: "cursor" })] });
    }
  });
});

/** The session ids of each page of the caller's session list, `limit` at a time, through the client's paging. */
async function* pages_(session: Session, limit: number) {
  for await (const page of pages(session.client, "/me/sessions", { params: { query: { limit } } })) {
    yield page.sessions.map((listed) => listed.session_id);
  }
}

describe("revocation", () => {
  it("a password change ends the user's other sessions; the answer carries the tokens the caller goes on with", async () => {
    const { name, email } = await signUp();
    const here = await login(email);
    const elsewhere = await login(email);
    const changed = await call("PUT", "/org/update", {
      token: here.json.access_token,
      json: { organization_name: name, password: "another-password", current_password: PASSWORD },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      session_id: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expectRevoked(await call("GET", "/me", { token: elsewhere.json.access_token }));
    expect((await refresh(elsewhere.json.refresh_token)).status).toBe(401);
    expectRevoked(await call("GET", "/me", { token: here.json.access_token }));
    expect((await call("GET", "/me", { token: changed.json.access_token })).status).toBe(200);
    expect((await refresh(changed.json.refresh_token)).status).toBe(200);
  });

  it("removing a member ends their sessions; deleting the organization ends everyone's", async () => {
    const { name, email } = await signUp();
    const owner = await login(email);
    const memberEmail = `member.${unique()}@sessions.example`;
    const invited = await call("POST", "/org/invitations", {
      token: owner.json.access_token,
      json: { email: memberEmail, role: "member" },
    });
    const member = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: PASSWORD },
    });
    expect(member.json.refresh_token).toEqual(expect.any(String));
    const removed = await call("DELETE", `/org/members/${member.json.user_id}`, { token: owner.json.access_token });
    expect(removed.status, removed.text).toBe(200);
    expectRevoked(await call("GET", "/me", { token: member.json.access_token }));
    expect((await refresh(member.json.refresh_token)).status).toBe(401);

    const deleted = await call("DELETE", `/org/delete${byName(name)}`, { token: owner.json.access_token });
    expect(deleted.status, deleted.text).toBe(200);
    expect((await refresh(owner.json.refresh_token)).status).toBe(401);
  });
});

describe("two-factor login (TOTP)", () => {
  /** Enroll and verify with the current code: the secret and the recovery codes. */
  async function enable(token: string) {
    const enrollment = await call("POST", "/me/mfa/totp", { token });
    expect(enrollment.status, enrollment.text).toBe(200);
    expect(enrollment.json.otpauth_url).toMatch(/^otpauth:\/\/totp\//);
    expect(enrollment.json.qr_svg).toMatch(/^<svg /);
    const code = totpCode(enrollment.json.secret);
    const verified = await call("POST", "/me/mfa/totp/verify", { token, json: { code } });
    expect(verified.status, verified.text).toBe(200);
    return {
      secret: enrollment.json.secret as string,
      usedCode: code,
      recoveryCodes: verified.json.recovery_codes as string[],
    };
  }

  it("enroll, verify, then a login needs the code; a code is accepted once; recovery codes once each", async () => {
    const { email } = await signUp();
    const { recoveryCodes, usedCode } = await enable((await login(email)).json.access_token);

    const step = await call("POST", "/admin/login", { json: { email, password: PASSWORD } });
    expect(step.status).toBe(200);
    expect(step.json).toEqual({ mfa_required: true, mfa_token: expect.any(String), expires_in: 300 });

    // The verify spent its code: the same code again is a replay.
    const replay = await call("POST", "/auth/mfa", { json: { mfa_token: step.json.mfa_token, code: usedCode } });
    expect(replay.status).toBe(401);

    const recovered = await call("POST", "/auth/mfa", {
      json: { mfa_token: step.json.mfa_token, recovery_code: recoveryCodes[0] },
    });
    expect(recovered.status, recovered.text).toBe(200);
    expect((await call("GET", "/me", { token: recovered.json.access_token })).status).toBe(200);
    // The challenge is spent, and so is that recovery code.
    const again = await call("POST", "/auth/mfa", {
      json: { mfa_token: step.json.mfa_token, recovery_code: recoveryCodes[1] },
    });
    expect(again.status).toBe(401);
    const next = await call("POST", "/admin/login", { json: { email, password: PASSWORD } });
    const spent = await call("POST", "/auth/mfa", {
      json: { mfa_token: next.json.mfa_token, recovery_code: recoveryCodes[0] },
    });
    expect(spent.status).toBe(401);

    const sessions = await call("GET", "/me/sessions", { token: recovered.json.access_token });
    expect(sessions.json.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({ mfa: true });
    const off = await call("DELETE", "/me/mfa/totp", {
      token: recovered.json.access_token,
      json: { password: PASSWORD },
    });
    expect(off.status, off.text).toBe(200);
    expect((await call("POST", "/admin/login", { json: { email, password: PASSWORD } })).json.access_token).toEqual(
      expect.any(String),
    );
  });

  // The package's client (packages/client) against the server: its Session's TOTP step, the one
  // refresh that concurrent calls share (a second would be a reuse, which revokes the session) and
  // logout.
  it("the client's session: logs in with the code, makes one refresh for concurrent calls after expiry and after a 401, logs out", async () => {
    const { email } = await signUp();
    const { secret } = await enable((await login(email)).json.access_token);
    let refreshes = 0;
    const counting = (request: Request) => {
      if (new URL(request.url).pathname === "/auth/refresh") refreshes += 1;
      return fetch(request);
    };
    const clock = { skew: 0 };
    const session = new Session({ baseUrl: server.url(), fetch: counting, now: () => Date.now() + clock.skew });

    const outcome = await session.login({ email, password: PASSWORD });
    if (!outcome.mfaRequired) throw new Error("expected the code step");
    // The enrollment's verify spent the current code: the next one is accepted too.
    const user = await outcome.complete(totpCode(secret, new Date(Date.now() + 30_000)));
    expect(user).toMatchObject({ role: "owner", mfaEnrollmentRequired: false });

    // Past expiry by the client's clock: both calls wait for the same refresh.
    clock.skew = 900_000;
    const [first, second] = await Promise.all([session.client.GET("/me"), session.client.GET("/me/sessions")]);
    expect(first.data.email).toBe(email);
    expect(second.data.sessions.find((listed) => listed.current)).toMatchObject({
      session_id: user.sessionId,
      mfa: true,
    });
    expect(refreshes).toBe(1);
    clock.skew = 0;

    // Refused with 401 (an access token the service does not take, the refresh token still good):
    // one refresh for both, and each call retried once with its answer.
    const held = session.tokens!;
    const refused = new Session({
      baseUrl: server.url(),
      fetch: counting,
      tokens: { ...held, accessToken: `${held.accessToken.slice(0, -4)}AAAA` },
    });
    const answers = await Promise.all([refused.client.GET("/me"), refused.client.GET("/me")]);
    expect(answers.map((answer) => answer.data.email)).toEqual([email, email]);
    expect(refreshes).toBe(2);

    await refused.logout();
    expect(refused.tokens).toBeUndefined();
    // The refresh token the first session still holds was spent by the second: presenting it is a
    // reuse, refused as a problem the client throws with its type and status.
    const reused = await refusal(session.refresh());
    expect(reused).toBeInstanceOf(ProblemError);
    expect(reused).toMatchObject({ status: 401, type: expect.stringMatching(/^urn:org-service:problem:/) });
    expect(session.tokens).toBeUndefined();
  });

  it("guessing codes: past the limit, 429 with Retry-After, even with the right code", async () => {
    const { email } = await signUp();
    const { secret } = await enable((await login(email)).json.access_token);
    const step = await call("POST", "/admin/login", { json: { email, password: PASSWORD } });
    for (let i = 0; i < 5; i++) {
      const wrong = await call("POST", "/auth/mfa", { json: { mfa_token: step.json.mfa_token, code: "000000" } });
      expect(wrong.status).toBe(401);
    }
    const throttled = await call("POST", "/auth/mfa", {
      json: { mfa_token: step.json.mfa_token, code: totpCode(secret, new Date(Date.now() + 30_000)) },
    });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call("POST", "/admin/login", { json: { email, password: PASSWORD } })).status).toBe(429);
  });
});
