import { createHash, randomBytes } from "node:crypto";
import { resetConfig } from "@org-service/core";
import { database, mailedToken, startTestDnsServer, type TestDnsServer, totpCode } from "@org-service/core/testing";
import { ObjectId } from "mongodb";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import {
  type ForgingProvider,
  type OpenIdProvider,
  startForgingProvider,
  startOpenIdProvider,
} from "./support/identity-provider";
import { useLocalServer } from "./support/local-server";
import { verifyDomainOverHttp } from "./support/verified-domain";

/**
 * Single sign-on over HTTP, end to end: an organization verifies its domain, connects a real
 * OpenID Provider (oidc-provider, in-process, with its own users and login pages), and its users
 * sign in through it — the start, the provider's login and consent, the callback, the handoff to
 * the dashboard and the session; a new user joining just in time; enforcement with the owners'
 * break-glass; and every forged or replayed answer refused, each with the reason the dashboard is
 * given and no session anywhere.
 */
let dns: TestDnsServer;
const server = useLocalServer({
  bcryptCost: 4,
  prepare: async () => {
    // The providers are on loopback ports, over http: allowed for this run only.
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    // Domains are verified against the test's own DNS server.
    dns = await startTestDnsServer();
    process.env.DNS_SERVERS = dns.address;
  },
});
const call = httpClient(server.url);

let provider: OpenIdProvider;
let forging: ForgingProvider;
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

const DOMAIN = `acme-${unique()}.example`;
const FORGED_DOMAIN = `forged-${unique()}.example`;

beforeAll(async () => {
  forging = await startForgingProvider();
});
afterAll(async () => {
  delete process.env.SSO_ALLOW_PRIVATE_ISSUERS;
  delete process.env.DNS_SERVERS;
  resetConfig();
  await dns?.close();
  await provider?.close();
  await forging?.close();
});

async function signUp(domain: string) {
  const email = `owner.${unique()}@${domain}`;
  const name = `Sso ${unique()}`;
  const created = await call("POST", "/org/create", {
    json: { organization_name: name, email, password: "owner-password-1" },
  });
  expect(created.status).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password: "owner-password-1" } });
  expect(login.status).toBe(200);
  return {
    name,
    email,
    organizationId: login.json.organization_id as string,
    token: login.json.access_token as string,
  };
}

/** A browser: the dashboard's verifier, and the cookie the service sets on the way out. */
function browser() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  let cookie: string | undefined;
  return {
    verifier,
    get cookie() {
      return cookie;
    },
    async start(query: Record<string, string>) {
      const answer = await fetch(
        `${server.url()}/auth/sso/start?${new URLSearchParams({ ...query, handoff_challenge: challenge })}`,
        { redirect: "manual" },
      );
      const set = answer.headers.getSetCookie().find((line) => line.startsWith("org_service_sso="));
      if (set) cookie = set.split(";")[0];
      return answer;
    },
    /** The callback as the browser follows the provider's redirect: with the cookie, unless told otherwise. */
    async callback(url: string, withCookie = true) {
      const answer = await fetch(url, { redirect: "manual", headers: withCookie && cookie ? { cookie } : {} });
      expect(answer.status).toBe(302);
      const location = answer.headers.get("location")!;
      // Only ever the dashboard: no redirect anywhere else.
      expect(location.startsWith(`${server.url()}/#`)).toBe(true);
      const fragment = new URLSearchParams(new URL(location).hash.slice(1));
      return { sso: fragment.get("sso"), error: fragment.get("sso_error"), setCookie: answer.headers.getSetCookie() };
    },
  };
}

const exchange = (code: string, verifier: string) => call("POST", "/auth/sso/exchange", { json: { code, verifier } });

async function connect(
  owner: { token: string },
  idp: { issuer: string; clientId: string; clientSecret: string },
): Promise<HttpAnswer> {
  const saved = await call("PUT", "/org/sso", {
    token: owner.token,
    json: { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
  });
  expect(saved.status).toBe(200);
  const enabled = await call("PATCH", "/org/sso", { token: owner.token, json: { enabled: true } });
  expect(enabled.status).toBe(200);
  return enabled;
}

/** Through the real provider, from the start to the dashboard's fragment. */
async function signInThroughProvider(query: Record<string, string>, accountId: string) {
  const b = browser();
  const started = await b.start(query);
  expect(started.status).toBe(302);
  const back = await provider.signIn(started.headers.get("location")!, accountId);
  expect(back.startsWith(`${server.url()}/auth/sso/callback/`)).toBe(true);
  return { b, back, result: await b.callback(back) };
}

describe("single sign-on through a real OpenID Provider", () => {
  let acme: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    acme = await signUp(DOMAIN);
    await verifyDomainOverHttp(call, acme, DOMAIN, dns);
    // The provider knows the organization's own redirect URI, as its administrator registers it.
    provider = await startOpenIdProvider({
      redirectUri: `${server.url()}/auth/sso/callback/${acme.organizationId}`,
      accounts: {
        alice: { email: `alice@${DOMAIN}`, emailVerified: true, name: "Alice Example" },
        carol: { email: `carol@${DOMAIN}` },
        trent: { email: `trent@${DOMAIN}`, emailVerified: true },
        peggy: { email: `peggy@${DOMAIN}`, emailVerified: true },
        mallory: { email: `mallory@elsewhere-${unique()}.example`, emailVerified: true },
        unverified: { email: `dave@${DOMAIN}`, emailVerified: false },
        // As some providers send it: the claim a string.
        unverifiedAsText: { email: `erin@${DOMAIN}`, emailVerified: "false" },
      },
    });
    await connect(acme, provider);
  });

  it("shows the connection to its owners without the secret, with the redirect URI to register", async () => {
    const shown = await call("GET", "/org/sso", { token: acme.token });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      issuer: provider.issuer,
      client_id: provider.clientId,
      enabled: true,
      enforced: false,
      scopes: ["openid", "email", "profile"],
      redirect_uri: `${server.url()}/auth/sso/callback/${acme.organizationId}`,
    });
    expect(shown.text).not.toContain(provider.clientSecret);
    expect(shown.json.provider.jwks_uri).toBe(`${provider.issuer}/jwks`);
    const tested = await call("POST", "/org/sso/test", { token: acme.token });
    expect(tested.status).toBe(200);
    expect(tested.json.signing_keys).toBe(1);
  });

  it("signs a new user in: the provider's login and consent, a just-in-time membership, a normal session", async () => {
    const { b, result } = await signInThroughProvider({ organization: acme.name }, "alice");
    expect(result.error).toBeNull();
    expect(result.sso).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The binding cookie is spent on the way back.
    expect(result.setCookie.some((line) => /^org_service_sso=;.*Max-Age=0/.test(line))).toBe(true);

    const session = await exchange(result.sso!, b.verifier);
    expect(session.status).toBe(200);
    expect(session.json).toMatchObject({ role: "member", organization_name: acme.name });
    const claims = decodeJwt(session.json.access_token);
    expect(claims.role).toBe("member");
    const me = await call("GET", "/me", { token: session.json.access_token });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe(`alice@${DOMAIN}`);
    // A normal session: it refreshes like a password login's.
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: session.json.refresh_token } });
    expect(refreshed.status).toBe(200);
    // The organization's members now include her, as a member.
    const members = await call("GET", "/org/members", { token: acme.token });
    expect(members.json.members.map((m: { email: string; role: string }) => [m.email, m.role])).toContainEqual([
      `alice@${DOMAIN}`,
      "member",
    ]);

    // The code works once, and only with its verifier.
    expect((await exchange(result.sso!, b.verifier)).status).toBe(410);
  });

  it("routes by the email's verified domain, and signs an existing member in again without a second membership", async () => {
    const { b, result } = await signInThroughProvider({ email: `alice@${DOMAIN}` }, "alice");
    const session = await exchange(result.sso!, b.verifier);
    expect(session.status).toBe(200);
    const members = await call("GET", "/org/members", { token: acme.token });
    expect(members.json.members.filter((m: { email: string }) => m.email === `alice@${DOMAIN}`)).toHaveLength(1);
  });

  it("refuses the handoff to anyone without the verifier the sign-in started with", async () => {
    const { result } = await signInThroughProvider({ organization: acme.name }, "alice");
    const other = randomBytes(32).toString("base64url");
    expect((await exchange(result.sso!, other)).status).toBe(410);
  });

  it("refuses a replayed callback: the same state and code a second time", async () => {
    const { back, b } = await signInThroughProvider({ organization: acme.name }, "alice");
    const again = await b.callback(back);
    expect(again).toMatchObject({ sso: null, error: "unknown_sign_in" });
  });

  it("refuses a code from an earlier sign-in brought with a new sign-in's state (the provider refuses the used code)", async () => {
    const first = await signInThroughProvider({ organization: acme.name }, "alice");
    const usedCode = new URL(first.back).searchParams.get("code")!;
    const b = browser();
    const started = await b.start({ organization: acme.name });
    const state = new URL(started.headers.get("location")!).searchParams.get("state")!;
    const forged = await b.callback(
      `${server.url()}/auth/sso/callback/${acme.organizationId}?${new URLSearchParams({ code: usedCode, state })}`,
    );
    expect(forged).toMatchObject({ sso: null, error: "answer_refused" });
  });

  it("refuses a wrong state, and a callback from a browser that did not start the sign-in", async () => {
    const b = browser();
    const started = await b.start({ organization: acme.name });
    const back = await provider.signIn(started.headers.get("location")!, "alice");
    const url = new URL(back);
    url.searchParams.set("state", `${url.searchParams.get("state")}x`);
    expect(await b.callback(url.href)).toMatchObject({ sso: null, error: "unknown_sign_in" });
    // The genuine answer, without the cookie (another browser, an attacker's link).
    expect(await b.callback(back, false)).toMatchObject({ sso: null, error: "other_browser" });
  });

  it('refuses an email outside the organization\'s verified domains, and one the provider says is unverified (false, or the string "false"), creating no one', async () => {
    const outside = await signInThroughProvider({ organization: acme.name }, "mallory");
    expect(outside.result).toMatchObject({ sso: null, error: "email_outside_domains" });
    const unverified = await signInThroughProvider({ organization: acme.name }, "unverified");
    expect(unverified.result).toMatchObject({ sso: null, error: "email_not_verified" });
    const unverifiedAsText = await signInThroughProvider({ organization: acme.name }, "unverifiedAsText");
    expect(unverifiedAsText.result).toMatchObject({ sso: null, error: "email_not_verified" });
    const members = await call("GET", "/org/members", { token: acme.token });
    const emails = members.json.members.map((m: { email: string }) => m.email);
    expect(emails).not.toContain(`dave@${DOMAIN}`);
    expect(emails).not.toContain(`erin@${DOMAIN}`);
    expect(emails.some((email: string) => email.startsWith("mallory@"))).toBe(false);
    const audit = await call("GET", "/org/audit", { token: acme.token });
    const reasons = audit.json.entries
      .filter((entry: { action: string }) => entry.action === "sso.login_failed")
      .map((entry: { details: { reason: string } }) => entry.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(["email_outside_domains", "email_not_verified"]));
  });

  it("starts for a page's script with the provider's address as JSON: one sign-in, the same cookie, the same flow", async () => {
    const db = await database();
    const signIns = () => db.ssoLogins.countDocuments({ organization_id: new ObjectId(acme.organizationId) });
    const before = await signIns();
    const b = browser();
    const started = await b.start({ organization: acme.name, answer: "json" });
    expect(started.status).toBe(200);
    expect(started.headers.get("cache-control")).toBe("no-store");
    const body = (await started.json()) as { location: string; expires_in: number };
    expect(body.expires_in).toBeGreaterThan(0);
    expect(b.cookie).toMatch(/^org_service_sso=[A-Za-z0-9_-]{43}$/);
    expect(await signIns()).toBe(before + 1);

    const back = await provider.signIn(body.location, "alice");
    const result = await b.callback(back);
    expect(result.error).toBeNull();
    expect((await exchange(result.sso!, b.verifier)).json).toMatchObject({ organization_name: acme.name });

    // A refusal is a problem the page can show, and starts nothing.
    const plain = await signUp(`plain-${unique()}.example`);
    const none = await browser().start({ organization: plain.name, answer: "json" });
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(none.headers.getSetCookie()).toEqual([]);
  });

  it("answers a start for an organization without single sign-on, or a malformed one, with a problem", async () => {
    const plain = await signUp(`plain-${unique()}.example`);
    const none = await browser().start({ organization: plain.name });
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    const unknownDomain = await browser().start({ email: `someone@nowhere-${unique()}.example` });
    expect(unknownDomain.status).toBe(404);
    // Nor can one be enabled before the organization holds a verified domain.
    expect(
      (
        await call("PUT", "/org/sso", {
          token: plain.token,
          json: { issuer: forging.issuer, client_id: forging.clientId, client_secret: forging.clientSecret },
        })
      ).status,
    ).toBe(200);
    const enabling = await call("PATCH", "/org/sso", { token: plain.token, json: { enabled: true } });
    expect(enabling.status).toBe(409);
    const malformed = await fetch(`${server.url()}/auth/sso/start?organization=${acme.name}&handoff_challenge=short`, {
      redirect: "manual",
    });
    expect(malformed.status).toBe(422);
  });

  it("enforced, refuses password login to the domain's users with a problem pointing to SSO; owners keep theirs", async () => {
    // Carol, a member with a password, in the domain.
    const invited = await call("POST", "/org/invitations", {
      token: acme.token,
      json: { email: `carol@${DOMAIN}`, role: "member" },
    });
    expect(invited.status).toBe(201);
    const accepted = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: "carol-password-1" },
    });
    expect(accepted.status).toBe(200);
    // Her address proven by the mailed link (an accepted invitation whose token the inviter was shown proves nothing).
    expect((await call("POST", "/me/verify-email", { token: accepted.json.access_token })).status).toBe(202);
    expect(
      (await call("POST", "/auth/verify-email", { json: { token: mailedToken(`carol@${DOMAIN}`, "verify") } })).status,
    ).toBe(200);
    const before = await call("POST", "/admin/login", {
      json: { email: `carol@${DOMAIN}`, password: "carol-password-1" },
    });
    expect(before.status).toBe(200);

    const enforced = await call("PATCH", "/org/sso", { token: acme.token, json: { enforced: true } });
    expect(enforced.status).toBe(200);
    expect(enforced.json.enforced).toBe(true);
    try {
      const refused = await call("POST", "/admin/login", {
        json: { email: `carol@${DOMAIN}`, password: "carol-password-1" },
      });
      expect(refused.status).toBe(403);
      expect(refused.contentType).toContain("application/problem+json");
      expect(refused.json).toMatchObject({ type: "urn:org-service:problem:sso-required", sso_organization: acme.name });
      // Her password session from before renews no more: enforcing reaches the sessions open already.
      const renewal = await call("POST", "/auth/refresh", { json: { refresh_token: before.json.refresh_token } });
      expect(renewal.status).toBe(403);
      expect(renewal.json.type).toBe("urn:org-service:problem:sso-required");
      // A wrong password is still only a wrong password: enforcement tells nothing without it.
      const wrong = await call("POST", "/admin/login", { json: { email: `carol@${DOMAIN}`, password: "not-hers-1" } });
      expect(wrong.status).toBe(401);
      // Break-glass: the owner's password still works, and the audit log says it was used.
      const owner = await call("POST", "/admin/login", { json: { email: acme.email, password: "owner-password-1" } });
      expect(owner.status).toBe(200);
      const audit = await call("GET", "/org/audit", { token: acme.token });
      expect(audit.json.entries.map((entry: { action: string }) => entry.action)).toContain("sso.break_glass_login");
      // Carol signs in through the provider instead.
      const { b, result } = await signInThroughProvider({ email: `carol@${DOMAIN}` }, "carol");
      expect((await exchange(result.sso!, b.verifier)).status).toBe(200);
    } finally {
      await call("PATCH", "/org/sso", { token: acme.token, json: { enforced: false } });
    }
  });

  it("asks a user with two-factor login for their code after the provider too", async () => {
    const first = await signInThroughProvider({ organization: acme.name }, "trent");
    const token = (await exchange(first.result.sso!, first.b.verifier)).json.access_token;
    const enrollment = await call("POST", "/me/mfa/totp", { token });
    const secret = enrollment.json.secret as string;
    expect((await call("POST", "/me/mfa/totp/verify", { token, json: { code: totpCode(secret) } })).status).toBe(200);

    const again = await signInThroughProvider({ organization: acme.name }, "trent");
    const step = await exchange(again.result.sso!, again.b.verifier);
    expect(step.status).toBe(200);
    expect(step.json).toMatchObject({ mfa_required: true });
    expect(step.json.access_token).toBeUndefined();
    const completed = await call("POST", "/auth/mfa", {
      json: { mfa_token: step.json.mfa_token, code: totpCode(secret, new Date(Date.now() + 30_000)) },
    });
    expect(completed.status, completed.text).toBe(200);
    expect(completed.json.organization_name).toBe(acme.name);
  });

  it("refuses to hand an account nobody proved the address of to the provider's user", async () => {
    // Someone made an account with Peggy's address first, and never verified it.
    const squatter = await call("POST", "/org/create", {
      json: { organization_name: `Squat ${unique()}`, email: `peggy@${DOMAIN}`, password: "squatter-password-1" },
    });
    expect(squatter.status).toBe(201);
    const { result } = await signInThroughProvider({ organization: acme.name }, "peggy");
    expect(result).toMatchObject({ sso: null, error: "account_unverified" });
    const members = await call("GET", "/org/members", { token: acme.token });
    expect(members.json.members.map((m: { email: string }) => m.email)).not.toContain(`peggy@${DOMAIN}`);
  });

  it("refuses an answer brought to another organization's callback, before any code is exchanged", async () => {
    // A sign-in of the organization below, whose answer (or a relayed one) arrives at this one's callback.
    const other = await signUp(`mixup-${unique()}.example`);
    await verifyDomainOverHttp(call, other, other.email.split("@")[1]!, dns);
    await connect(other, forging);
    const b = browser();
    const started = await b.start({ organization: other.name });
    const state = new URL(started.headers.get("location")!).searchParams.get("state")!;
    const exchanges = forging.tokenRequests;
    const answer = await b.callback(
      `${server.url()}/auth/sso/callback/${acme.organizationId}?${new URLSearchParams({ code: "relayed", state })}`,
    );
    expect(answer).toMatchObject({ sso: null, error: "unknown_sign_in" });
    expect(forging.tokenRequests).toBe(exchanges);
  });

  it("lets only owners configure it", async () => {
    const { b, result } = await signInThroughProvider({ organization: acme.name }, "alice");
    const member = await exchange(result.sso!, b.verifier);
    const token = member.json.access_token;
    expect((await call("GET", "/org/sso", { token })).status).toBe(403);
    expect((await call("PATCH", "/org/sso", { token, json: { enabled: false } })).status).toBe(403);
    expect((await call("DELETE", "/org/sso", { token })).status).toBe(403);
  });
});

describe("forged answers from the provider", () => {
  let org: Awaited<ReturnType<typeof signUp>>;
  const email = `erin@${FORGED_DOMAIN}`;

  beforeAll(async () => {
    org = await signUp(FORGED_DOMAIN);
    await verifyDomainOverHttp(call, org, FORGED_DOMAIN, dns);
    await connect(org, forging);
  });

  /** Starts a sign-in, lets the provider's token endpoint answer with what `forge` makes of the sign-in's nonce. */
  async function callbackWith(forge: (nonce: string) => Promise<string>) {
    const b = browser();
    const started = await b.start({ organization: org.name });
    expect(started.status).toBe(302);
    const authorization = new URL(started.headers.get("location")!);
    forging.answerNext(await forge(authorization.searchParams.get("nonce")!));
    const state = authorization.searchParams.get("state")!;
    return {
      b,
      ...(await b.callback(
        `${server.url()}/auth/sso/callback/${org.organizationId}?${new URLSearchParams({ code: "a-code", state })}`,
      )),
    };
  }

  const now = () => Math.floor(Date.now() / 1000);
  const genuine = (nonce: string, overrides: Record<string, unknown> = {}) => ({
    iss: forging.issuer,
    aud: forging.clientId,
    sub: "erin",
    email,
    email_verified: true,
    nonce,
    iat: now(),
    exp: now() + 300,
    ...overrides,
  });

  it("accepts the provider's genuine token (the forgeries below differ from it in one thing each)", async () => {
    const { b, sso, error } = await callbackWith((nonce) => forging.sign(genuine(nonce)));
    expect(error).toBeNull();
    expect((await exchange(sso!, b.verifier)).status).toBe(200);
  });

  const forgeries: [string, (nonce: string) => Promise<string>][] = [
    ["another issuer", (nonce) => forging.sign(genuine(nonce, { iss: "https://evil.example" }))],
    ["another audience", (nonce) => forging.sign(genuine(nonce, { aud: "someone-else" }))],
    ["a wrong nonce", (nonce) => forging.sign(genuine(`${nonce}x`))],
    ["an expired token", (nonce) => forging.sign(genuine(nonce, { iat: now() - 3600, exp: now() - 1800 }))],
    [
      "an unsigned token (alg: none)",
      async (nonce) => {
        const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
        return `${part({ alg: "none", typ: "JWT" })}.${part(genuine(nonce))}.`;
      },
    ],
    [
      "HS256 keyed with the provider's public key",
      async (nonce) => {
        const { SignJWT } = await import("jose");
        const secret = new TextEncoder().encode(JSON.stringify(forging.publicJwk));
        return new SignJWT(genuine(nonce)).setProtectedHeader({ alg: "HS256", kid: "forging-key" }).sign(secret);
      },
    ],
    [
      "a token signed by another key",
      async (nonce) => {
        const { generateKeyPair, SignJWT } = await import("jose");
        const { privateKey } = await generateKeyPair("RS256");
        return new SignJWT(genuine(nonce)).setProtectedHeader({ alg: "RS256", kid: "forging-key" }).sign(privateKey);
      },
    ],
  ];

  it.each(forgeries)("refuses %s, and opens no session", async (_label, forge) => {
    const { sso, error } = await callbackWith(forge);
    expect(sso).toBeNull();
    expect(error).toBe("answer_refused");
  });
});
