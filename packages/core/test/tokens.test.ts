import { decodeProtectedHeader, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, decodeJwt } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonWebKeySet, openIdConfiguration, resetConfig } from "../src";
import { scopesOf } from "../src/auth/permissions";
import { issueAccessToken, verifyAccessToken } from "../src/auth/tokens";
import { resetSigningKeys } from "../src/testing";

const saved = { ...process.env };
beforeEach(() => {
  process.env.JWT_ISSUER = "https://api.example.test";
  process.env.JWT_AUDIENCE = "org-service-test";
  delete process.env.JWT_PRIVATE_KEY;
  delete process.env.JWT_PREVIOUS_KEY;
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  resetConfig();
  resetSigningKeys();
});
afterEach(() => {
  process.env = { ...saved };
  resetConfig();
  resetSigningKeys();
});

/** What the test tokens signed with a member's claims verify to (their `scope` claim: "org:read data:read"). */
const MEMBER_CLAIMS = {
  sub: "a",
  org: "o",
  sid: "s",
  cv: 1,
  role: "member",
  gr: "g",
  emailVerified: false,
  scopes: ["org:read", "data:read"],
};

async function rsaKeyPair() {
  return generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
}

describe("access tokens", () => {
  it("are RS256 with a kid and carry iss, aud, sub, org, sid, iat, exp and jti", async () => {
    const { accessToken, expiresIn } = await issueAccessToken({
      sub: "admin-1",
      org: "org-1",
      sid: "session-1",
      cv: 1,
      role: "owner",
      gr: "grant-1",
    });
    const header = decodeProtectedHeader(accessToken);
    expect(header.alg).toBe("RS256");
    expect(header.kid).toBeTruthy();
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({
      iss: "https://api.example.test",
      aud: "org-service-test",
      sub: "admin-1",
      org: "org-1",
      sid: "session-1",
      cv: 1,
      role: "owner",
      gr: "grant-1",
      email_verified: false,
      scope:
        "org:read profile:write org:rename members:manage owners:manage org:delete audit:read data:read data:write data:indexes clients:manage org:export events:read webhooks:manage org:sso org:domains org:policies",
    });
    expect(claims.exp! - claims.iat!).toBe(expiresIn);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verifyAccessToken(accessToken)).toEqual({
      sub: "admin-1",
      org: "org-1",
      sid: "session-1",
      cv: 1,
      role: "owner",
      gr: "grant-1",
      emailVerified: false,
      scopes: scopesOf("owner"),
    });
  });

  it("sign with a configured PEM key and publish only its public half", async () => {
    const pair = await rsaKeyPair();
    process.env.JWT_PRIVATE_KEY = await exportPKCS8(pair.privateKey);
    resetConfig();
    const { accessToken } = await issueAccessToken({ sub: "a", org: "o", sid: "s", cv: 1, role: "member", gr: "g" });
    const { keys } = await jsonWebKeySet();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: "RSA",
      alg: "RS256",
      use: "sig",
      kid: decodeProtectedHeader(accessToken).kid,
    });
    for (const privateParameter of ["d", "p", "q", "dp", "dq", "qi"])
      expect(keys[0]).not.toHaveProperty(privateParameter);
    expect(keys[0]!.n).toBe((await exportJWK(pair.publicKey)).n);
  });

  it("accept a JWK with its own kid, and publish the previous key during a rotation", async () => {
    const current = await rsaKeyPair();
    const previous = await rsaKeyPair();
    process.env.JWT_PRIVATE_KEY = JSON.stringify({ ...(await exportJWK(current.privateKey)), kid: "2026-11" });
    process.env.JWT_PREVIOUS_KEY = await exportSPKI(previous.publicKey);
    resetConfig();
    const { keys } = await jsonWebKeySet();
    expect(keys.map((key) => key.kid)[0]).toBe("2026-11");
    expect(keys).toHaveLength(2);

    // A token the previous key signed still verifies until the previous key is retired.
    const oldKid = keys[1]!.kid!;
    const oldToken = await new SignJWT({
      org: "o",
      sid: "s",
      cv: 1,
      role: "member",
      gr: "g",
      scope: "org:read data:read",
    })
      .setProtectedHeader({ alg: "RS256", kid: oldKid })
      .setIssuer("https://api.example.test")
      .setAudience("org-service-test")
      .setSubject("a")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(previous.privateKey);
    expect(await verifyAccessToken(oldToken)).toEqual(MEMBER_CLAIMS);
  });

  it("a token verified once is taken from memory until it expires; expired, or under reloaded keys, it is verified again", async () => {
    process.env.JWT_TTL_SECONDS = "60";
    resetConfig();
    const { accessToken } = await issueAccessToken({ sub: "a", org: "o", sid: "s", cv: 1, role: "member", gr: "g" });
    const verify = vi.spyOn(globalThis.crypto.subtle, "verify");
    try {
      const first = await verifyAccessToken(accessToken);
      expect(first).toMatchObject({ sub: "a", scopes: scopesOf("member") });
      expect(verify).toHaveBeenCalledTimes(1);
      expect(await verifyAccessToken(accessToken)).toEqual(first);
      expect(verify).toHaveBeenCalledTimes(1);
      // A token that differs by one character is no token seen before.
      expect(await verifyAccessToken(`${accessToken.slice(0, -2)}AA`)).toBeUndefined();
      expect(verify).toHaveBeenCalledTimes(2);
      vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
      expect(await verifyAccessToken(accessToken)).toBeUndefined();
    } finally {
      vi.useRealTimers();
      verify.mockRestore();
    }
    // Keys reloaded (a rotation): the same token is verified again, against the keys now published.
    const again = await issueAccessToken({ sub: "a", org: "o", sid: "s", cv: 1, role: "member", gr: "g" });
    await verifyAccessToken(again.accessToken);
    resetSigningKeys();
    expect(await verifyAccessToken(again.accessToken)).toBeUndefined();
  });

  describe("verification refuses", () => {
    let pair: Awaited<ReturnType<typeof rsaKeyPair>>;
    let kid: string;
    beforeEach(async () => {
      pair = await rsaKeyPair();
      kid = "test-key";
      process.env.JWT_PRIVATE_KEY = JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid });
      resetConfig();
    });
    const token = (overrides: { iss?: string; aud?: string; exp?: number | string; kid?: string } = {}) =>
      new SignJWT({ org: "o", sid: "s", cv: 1, role: "member", gr: "g", scope: "org:read data:read" })
        .setProtectedHeader({ alg: "RS256", kid: overrides.kid ?? kid })
        .setIssuer(overrides.iss ?? "https://api.example.test")
        .setAudience(overrides.aud ?? "org-service-test")
        .setSubject("a")
        .setIssuedAt()
        .setExpirationTime(overrides.exp ?? "5m")
        .sign(pair.privateKey);

    it("a token that is fine, as a control", async () => {
      expect(await verifyAccessToken(await token())).toEqual(MEMBER_CLAIMS);
    });
    it("a token without a scope claim (none this service issues)", async () => {
      const { scope: _scope, ...claims } = decodeJwt(await token());
      const unscoped = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).sign(pair.privateKey);
      expect(await verifyAccessToken(unscoped)).toBeUndefined();
    });
    it("a token without a session (issued before sessions existed)", async () => {
      const withoutSession = await new SignJWT({ org: "o", cv: 1, role: "member", gr: "g" })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer("https://api.example.test")
        .setAudience("org-service-test")
        .setSubject("a")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(pair.privateKey);
      expect(await verifyAccessToken(withoutSession)).toBeUndefined();
    });
    it("an expired token", async () => {
      expect(await verifyAccessToken(await token({ exp: Math.floor(Date.now() / 1000) - 10 }))).toBeUndefined();
    });
    it("another issuer", async () => {
      expect(await verifyAccessToken(await token({ iss: "https://evil.example" }))).toBeUndefined();
    });
    it("another audience", async () => {
      expect(await verifyAccessToken(await token({ aud: "someone-else" }))).toBeUndefined();
    });
    it("an unknown kid", async () => {
      expect(await verifyAccessToken(await token({ kid: "nope" }))).toBeUndefined();
    });
    it("a tampered payload", async () => {
      const [header, , signature] = (await token()).split(".");
      const forged = Buffer.from(
        JSON.stringify({
          sub: "a",
          org: "another-org",
          iss: "https://api.example.test",
          aud: "org-service-test",
          exp: 9e9,
        }),
      ).toString("base64url");
      expect(await verifyAccessToken(`${header}.${forged}.${signature}`)).toBeUndefined();
    });
    it("garbage", async () => {
      expect(await verifyAccessToken("not.a.jwt")).toBeUndefined();
    });
  });

  it("are never signed with a generated key inside Lambda: a missing key is a configuration error", async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = "org-service-login";
    resetConfig();
    await expect(issueAccessToken({ sub: "a", org: "o", sid: "s", cv: 1, role: "member", gr: "g" })).rejects.toThrow(
      /JWT_PRIVATE_KEY is not set/,
    );
  });

  it("refuse a key that is not RSA", async () => {
    const ec = await generateKeyPair("ES256", { extractable: true });
    process.env.JWT_PRIVATE_KEY = JSON.stringify(await exportJWK(ec.privateKey));
    resetConfig();
    await expect(issueAccessToken({ sub: "a", org: "o", sid: "s", cv: 1, role: "member", gr: "g" })).rejects.toThrow(
      /must be an RSA key/,
    );
  });
});

describe("OpenID discovery", () => {
  it("points API Gateway at the JWKS under the issuer", () => {
    expect(openIdConfiguration()).toMatchObject({
      issuer: "https://api.example.test",
      jwks_uri: "https://api.example.test/.well-known/jwks.json",
      id_token_signing_alg_values_supported: ["RS256"],
    });
  });
});
