import { describe, expect, it } from "vitest";
import { clientCredentials, createClient, ProblemError } from "../src/index";
import { BASE_URL, fakeService, json } from "./support/fake-service";

describe("clientCredentials", () => {
  function service() {
    let issued = 0;
    return fakeService({
      "POST /oauth/token": () =>
        json(200, { access_token: `machine-${++issued}`, token_type: "Bearer", expires_in: 300, scope: "data:read" }),
      "GET /org/usage": () => json(200, {}),
    });
  }

  it("asks with client_secret_basic, once for concurrent callers, and again shortly before expiry", async () => {
    const fake = service();
    const clock = { now: 0 };
    const machine = clientCredentials({
      baseUrl: BASE_URL,
      fetch: fake.fetch,
      clientId: "mc_1",
      clientSecret: "s3cret:with+odd chars",
      scope: ["data:read", "data:write"],
      now: () => clock.now,
    });
    const api = createClient({ baseUrl: BASE_URL, fetch: fake.fetch, auth: machine });
    await Promise.all([api.GET("/org/usage"), api.GET("/org/usage"), machine.accessToken()]);
    expect(fake.count("POST", "/oauth/token")).toBe(1);
    const [tokenRequest] = fake.requests;
    // RFC 6749 §2.3.1: each part form-encoded, then base64.
    expect(tokenRequest?.headers.get("authorization")).toBe(`Basic ${btoa("mc_1:s3cret%3Awith%2Bodd+chars")}`);
    expect(tokenRequest?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(await tokenRequest?.text()).toBe("grant_type=client_credentials&scope=data%3Aread+data%3Awrite");
    expect(machine.scope).toBe("data:read");
    expect(fake.requests.at(-1)?.headers.get("authorization")).toBe("Bearer machine-1");

    clock.now = 271_000;
    await api.GET("/org/usage");
    expect(fake.count("POST", "/oauth/token")).toBe(2);
    expect(fake.requests.at(-1)?.headers.get("authorization")).toBe("Bearer machine-2");
  });

  it("a refused client is a ProblemError with the OAuth error", async () => {
    const fake = fakeService({
      "POST /oauth/token": () => json(401, { error: "invalid_client", error_description: "The client is revoked." }),
    });
    const machine = clientCredentials({ baseUrl: BASE_URL, fetch: fake.fetch, clientId: "mc_1", clientSecret: "x" });
    const error = await machine.accessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 401, error: "invalid_client", detail: "The client is revoked." });
  });
});
