import { describe, expect, it } from "vitest";
import { createClient, ProblemError } from "../src/index";
import { BASE_URL, fakeService, json } from "./support/fake-service";

/** Every kind of refusal the API answers becomes one ProblemError with the same fields. */
describe("ProblemError", () => {
  const answers = {
    "GET /org/get": () =>
      json(409, {
        type: "urn:org-service:problem:conflict",
        title: "Conflict",
        status: 409,
        detail: "Name one of your organizations.",
        organizations: ["Acme", "Globex"],
      }),
    "POST /oauth/token": () =>
      json(401, { error: "invalid_client", error_description: "Unknown client." }, { "www-authenticate": "Basic" }),
    "GET /me": () => json(429, { message: "Too Many Requests" }, { "retry-after": "5" }),
    "GET /health": () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
  };
  const client = createClient({ baseUrl: BASE_URL, fetch: fakeService(answers).fetch });
  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => expect.fail("expected a refusal"),
      (error: unknown) => {
        expect(error).toBeInstanceOf(ProblemError);
        return error as ProblemError;
      },
    );

  it("a problem document, with its extension members", async () => {
    const error = await refusal(client.GET("/org/get", { params: { query: { organization_name: "x" } } }));
    expect(error).toMatchObject({
      status: 409,
      type: "urn:org-service:problem:conflict",
      title: "Conflict",
      detail: "Name one of your organizations.",
      message: "Conflict: Name one of your organizations.",
    });
    expect(error.problem.organizations).toEqual(["Acme", "Globex"]);
    expect(error.error).toBeUndefined();
  });

  it("the token endpoint's OAuth error object", async () => {
    const error = await refusal(client.POST("/oauth/token", { body: { grant_type: "client_credentials" } }));
    expect(error).toMatchObject({
      status: 401,
      type: "about:blank",
      title: "invalid_client",
      detail: "Unknown client.",
      error: "invalid_client",
      error_description: "Unknown client.",
    });
  });

  it("API Gateway's {message}, with Retry-After, and a body that is not JSON", async () => {
    expect(await refusal(client.GET("/me"))).toMatchObject({
      status: 429,
      type: "about:blank",
      detail: "Too Many Requests",
      retryAfterSeconds: 5,
      problem: { message: "Too Many Requests", status: 429 },
    });
    expect(await refusal(client.GET("/health"))).toMatchObject({
      status: 502,
      title: "Bad Gateway",
      detail: "<html>Bad Gateway</html>",
    });
  });
});
