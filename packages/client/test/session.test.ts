import { describe, expect, it } from "vitest";
import { ProblemError, Session, type SessionTokens } from "../src/index";
import { BASE_URL, fakeService, json } from "./support/fake-service";

const ME = { user_id: "u1", email: "ada@example.com" };

function tokens(generation: number) {
  return {
    access_token: `access-${generation}`,
    token_type: "Bearer",
    expires_in: 900,
    refresh_token: `refresh-${generation}`,
    refresh_expires_in: 604_800,
    session_id: "5".repeat(24),
  };
}

const loginAnswer = {
  ...tokens(1),
  user_id: "1".repeat(24),
  admin_id: "1".repeat(24),
  role: "owner",
  organization_id: "2".repeat(24),
  organization_name: "Acme",
};

/**
 * A service with rotating refresh tokens as the real one has them: each is accepted once, and a
 * reused one is refused. `accepted` is the access token the API routes take.
 */
function service(options: { refreshAnswer?: () => Response } = {}) {
  let generation = 1;
  const state = { accepted: "access-1", refuseAll: false };
  const fake = fakeService({
    "POST /admin/login": () => json(200, loginAnswer),
    "POST /auth/refresh": async (request) => {
      if (options.refreshAnswer) return options.refreshAnswer();
      const { refresh_token } = (await request.json()) as { refresh_token: string };
      if (refresh_token !== `refresh-${generation}`)
        return json(401, {
          type: "urn:org-service:problem:unauthorized",
          title: "Unauthorized",
          status: 401,
          detail: "reused",
        });
      generation += 1;
      state.accepted = `access-${generation}`;
      return json(200, tokens(generation));
    },
    "GET /me": (request) =>
      !state.refuseAll && request.headers.get("authorization") === `Bearer ${state.accepted}`
        ? json(200, ME)
        : json(401, { message: "Unauthorized" }, { "www-authenticate": 'Bearer error="invalid_token"' }),
    "POST /auth/logout": () => json(200, { logged_out: true }),
  });
  return { ...fake, state };
}

async function loggedIn(fake: ReturnType<typeof service>, clock = { now: 0 }) {
  const seen: (SessionTokens | undefined)[] = [];
  const session = new Session({
    baseUrl: BASE_URL,
    fetch: fake.fetch,
    now: () => clock.now,
    onTokens: (tokens) => seen.push(tokens),
  });
  const outcome = await session.login({ email: "ada@example.com", password: "secret" });
  expect(outcome.mfaRequired).toBe(false);
  return { session, clock, seen };
}

describe("Session", () => {
  it("logs in and sends the access token until it is 30 s from expiring", async () => {
    const fake = service();
    const { session, clock } = await loggedIn(fake);
    expect((await session.client.GET("/me")).data).toEqual(ME);
    clock.now = (900 - 31) * 1000;
    await session.client.GET("/me");
    expect(fake.count("POST", "/auth/refresh")).toBe(0);
    clock.now = (900 - 29) * 1000;
    await session.client.GET("/me");
    expect(fake.count("POST", "/auth/refresh")).toBe(1);
    expect(fake.requests.at(-1)?.headers.get("authorization")).toBe("Bearer access-2");
  });

  it("two calls after expiry share one refresh", async () => {
    const fake = service();
    const { session, clock, seen } = await loggedIn(fake);
    clock.now = 900_000;
    await Promise.all([session.client.GET("/me"), session.client.GET("/me"), session.accessToken()]);
    expect(fake.count("POST", "/auth/refresh")).toBe(1);
    expect(seen.map((tokens) => tokens?.refreshToken)).toEqual(["refresh-1", "refresh-2"]);
  });

  it("two calls refused with 401 share one refresh, and each is retried once", async () => {
    const fake = service();
    const { session } = await loggedIn(fake);
    // The service stops taking the token before the client's clock says it expires.
    fake.state.accepted = "access-2";
    const answers = await Promise.all([session.client.GET("/me"), session.client.GET("/me")]);
    expect(answers.map((answer) => answer.data)).toEqual([ME, ME]);
    expect(fake.count("POST", "/auth/refresh")).toBe(1);
    expect(fake.count("GET", "/me")).toBe(4);
  });

  it("a call refused again after the refresh is not retried a second time", async () => {
    const fake = service();
    const { session } = await loggedIn(fake);
    fake.state.refuseAll = true;
    const refused = await session.client.GET("/me").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ status: 401, detail: "Unauthorized" });
    expect(fake.count("GET", "/me")).toBe(2);
    expect(fake.count("POST", "/auth/refresh")).toBe(1);
  });

  it("a refused refresh ends the session: the call's own 401 is thrown and the tokens are forgotten", async () => {
    const fake = service({
      refreshAnswer: () =>
        json(401, {
          type: "urn:org-service:problem:unauthorized",
          title: "Unauthorized",
          status: 401,
          detail: "revoked",
        }),
    });
    const { session, seen } = await loggedIn(fake);
    fake.state.accepted = "access-2";
    await expect(session.client.GET("/me")).rejects.toMatchObject({ status: 401, detail: "Unauthorized" });
    expect(session.tokens).toBeUndefined();
    expect(seen.at(-1)).toBeUndefined();
    await expect(session.accessToken()).rejects.toThrow(/not logged in/);
  });

  it("a refresh that fails for another reason keeps the tokens, for the next call to try again", async () => {
    const fake = service({
      refreshAnswer: () =>
        json(503, {
          type: "urn:org-service:problem:unavailable",
          title: "Service Unavailable",
          status: 503,
          detail: "later",
        }),
    });
    const { session, clock } = await loggedIn(fake);
    clock.now = 900_000;
    await expect(session.client.GET("/me")).rejects.toMatchObject({
      status: 503,
      type: "urn:org-service:problem:unavailable",
    });
    expect(session.tokens?.refreshToken).toBe("refresh-1");
  });

  it("the code step of two-factor login, with a code or a recovery code", async () => {
    const bodies: unknown[] = [];
    const fake = fakeService({
      "POST /admin/login": () => json(200, { mfa_required: true, mfa_token: "mfa-1", expires_in: 300 }),
      "POST /auth/mfa": async (request) => {
        bodies.push(await request.json());
        return json(200, loginAnswer);
      },
    });
    const session = new Session({ baseUrl: BASE_URL, fetch: fake.fetch });
    for (const second of ["123456", { recoveryCode: "abcde-fghjk" }]) {
      const outcome = await session.login({ email: "ada@example.com", password: "secret", organizationName: "Acme" });
      if (!outcome.mfaRequired) throw new Error("expected the code step");
      expect(outcome.expiresIn).toBe(300);
      const user = await outcome.complete(second);
      expect(user).toMatchObject({ role: "owner", organizationName: "Acme", mfaEnrollmentRequired: false });
    }
    expect(bodies).toEqual([
      { mfa_token: "mfa-1", code: "123456" },
      { mfa_token: "mfa-1", recovery_code: "abcde-fghjk" },
    ]);
    expect(await fake.requests[0]?.json()).toEqual({
      email: "ada@example.com",
      password: "secret",
      organization_name: "Acme",
    });
    expect(session.tokens?.accessToken).toBe("access-1");
  });

  it("logs out with the access token and forgets the tokens; a failed logout keeps them to try again", async () => {
    let down = true;
    const fake = service();
    const { session } = await loggedIn(fake);
    // The same session's tokens, handed to a session whose logout fails at first.
    const failing = new Session({
      baseUrl: BASE_URL,
      fetch: async (request) =>
        down && new URL(request.url).pathname === "/auth/logout"
          ? json(503, {
              type: "urn:org-service:problem:unavailable",
              title: "Service Unavailable",
              status: 503,
              detail: "x",
            })
          : fake.fetch(request),
      now: () => 0,
      tokens: session.tokens,
    });
    await expect(failing.logout()).rejects.toBeInstanceOf(ProblemError);
    expect(failing.tokens).toBeDefined();
    down = false;
    await failing.logout();
    expect(failing.tokens).toBeUndefined();
    expect(fake.requests.at(-1)?.headers.get("authorization")).toBe("Bearer access-1");
  });
});
