import { closeDatabase, resetConfig } from "@org-service/core";
import { useIsolatedDatabases, resetSigningKeys } from "@org-service/core/testing";
import { afterAll, describe, expect, inject, it } from "vitest";
import { handler as createOrganization } from "../src/handlers/create-organization";
import { handler as deleteOrganization } from "../src/handlers/delete-organization";
import { handler as getOrganization } from "../src/handlers/get-organization";
import { handler as health } from "../src/handlers/health";
import { handler as jwks } from "../src/handlers/jwks";
import { handler as login } from "../src/handlers/login";
import { handler as openIdConfiguration } from "../src/handlers/openid-configuration";
import { handler as updateOrganization } from "../src/handlers/update-organization";
import { invoke, type Invocation } from "./support/invoke";
import { decodeJwt } from "jose";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function signUp(name = `Handler Org ${unique()}`) {
  const email = `admin.${unique()}@example.com`;
  const password = "hunter2-hunter2";
  const created = await invoke(createOrganization, {
    method: "POST",
    path: "/org/create",
    routeKey: "POST /org/create",
    json: { organization_name: name, email, password },
  });
  expect(created.status).toBe(201);
  const session = await invoke(login, { method: "POST", path: "/admin/login", json: { email, password } });
  const token = String(session.json.access_token);
  // What API Gateway passes a protected function: the bearer header, and the claims its authorizer verified.
  const auth = { claims: decodeJwt(token), headers: { authorization: `Bearer ${token}` } };
  return { name, email, password, created, session, auth, token };
}

function expectProblem(result: Invocation, status: number) {
  expect(result.status).toBe(status);
  expect(result.headers["content-type"]).toBe("application/problem+json");
  expect(result.json).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:org-service:problem:/),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(result.text).not.toMatch(/password_hash|\$2[aby]\$|mongodb:\/\/|\n\s+at /);
}

describe("POST /org/create", () => {
  it("201 with the organization, its collection and its admin email", async () => {
    const { created, name, email } = await signUp();
    expect(created.headers["content-type"]).toBe("application/json");
    expect(created.json).toEqual({
      organization_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      organization_name: name,
      collection_name: `org_${name.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`,
      admin_email: email,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.any(String),
    });
    expect(created.text).not.toContain("hunter2");
  });

  it("409 for a name with the same slug, pointing at organization_name", async () => {
    const { name } = await signUp();
    const again = await invoke(createOrganization, {
      method: "POST",
      path: "/org/create",
      json: { organization_name: name.toUpperCase(), email: `x.${unique()}@example.com`, password: "password123" },
    });
    expectProblem(again, 409);
    expect(again.json.errors).toEqual([{ path: "organization_name", message: "is already taken" }]);
  });

  it("409 for a taken email", async () => {
    const { email } = await signUp();
    const again = await invoke(createOrganization, {
      method: "POST",
      path: "/org/create",
      json: { organization_name: `Other ${unique()}`, email, password: "password123" },
    });
    expectProblem(again, 409);
    expect(again.json.errors).toEqual([{ path: "email", message: "is already taken" }]);
  });

  it("400 for malformed JSON", async () => {
    const result = await invoke(createOrganization, {
      method: "POST",
      path: "/org/create",
      headers: { "content-type": "application/json" },
      body: '{"organization_name": "Acme",',
    });
    expectProblem(result, 400);
  });

  it("415 when the body is not declared as JSON", async () => {
    const result = await invoke(createOrganization, {
      method: "POST",
      path: "/org/create",
      headers: { "content-type": "text/plain" },
      body: "organization_name=Acme",
    });
    expectProblem(result, 415);
  });

  it("422 listing every invalid and unknown field by path", async () => {
    const result = await invoke(createOrganization, {
      method: "POST",
      path: "/org/create",
      json: { organization_name: "!!!", email: "nope", password: "short", role: "owner" },
    });
    expectProblem(result, 422);
    const paths = (result.json.errors as { path: string }[]).map((issue) => issue.path).sort();
    expect(paths).toEqual(["email", "organization_name", "password", "role"]);
  });

  it.each([
    ["an array", []],
    ["a string", "Acme"],
    ["null", null],
    ["an operator object as a name", { organization_name: { $ne: null }, email: "a@b.co", password: "password123" }],
    ["a number as a name", { organization_name: 42, email: "a@b.co", password: "password123" }],
    ["a password of 73 bytes", { organization_name: "Long Pass", email: "a@b.co", password: "x".repeat(73) }],
  ])("422 for %s", async (_label, json) => {
    expectProblem(await invoke(createOrganization, { method: "POST", path: "/org/create", json }), 422);
  });
});

describe("GET /org/get", () => {
  it("200 by any spelling, without the admin email for an anonymous caller", async () => {
    const { name, created } = await signUp();
    const result = await invoke(getOrganization, {
      method: "GET",
      path: "/org/get",
      rawQueryString: new URLSearchParams({ organization_name: `  ${name.toUpperCase()} ` }).toString(),
    });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ organization_id: created.json.organization_id, organization_name: name });
    expect(result.json).not.toHaveProperty("admin_email");
  });

  it("adds admin_email for a valid token of this organization only", async () => {
    const own = await signUp();
    const other = await signUp();
    const query = new URLSearchParams({ organization_name: own.name }).toString();
    const asOwner = await invoke(getOrganization, {
      method: "GET",
      path: "/org/get",
      rawQueryString: query,
      headers: { authorization: `Bearer ${own.token}` },
    });
    expect(asOwner.json.admin_email).toBe(own.email);
    const asOther = await invoke(getOrganization, {
      method: "GET",
      path: "/org/get",
      rawQueryString: query,
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(asOther.json).not.toHaveProperty("admin_email");
    const forged = await invoke(getOrganization, {
      method: "GET",
      path: "/org/get",
      rawQueryString: query,
      headers: { authorization: `Bearer ${own.token}x` },
    });
    expect(forged.status).toBe(200);
    expect(forged.json).not.toHaveProperty("admin_email");
  });

  it("404 for an unknown name, 422 without the parameter", async () => {
    expectProblem(
      await invoke(getOrganization, {
        method: "GET",
        path: "/org/get",
        rawQueryString: "organization_name=Nobody%20Home",
      }),
      404,
    );
    const missing = await invoke(getOrganization, { method: "GET", path: "/org/get" });
    expectProblem(missing, 422);
    expect(missing.json.errors).toEqual([expect.objectContaining({ path: "organization_name" })]);
  });
});

describe("POST /admin/login", () => {
  it("200 with a session: an access token, a refresh token and the session's id", async () => {
    const { session, created, name } = await signUp();
    expect(session.status).toBe(200);
    expect(session.headers["cache-control"]).toBe("no-store");
    expect(session.json).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: "Bearer",
      expires_in: 900,
      // Added by sessions: 256 random bits, and a week until the session idles out.
      refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      refresh_expires_in: 7 * 86_400,
      session_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      admin_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      organization_id: created.json.organization_id,
      organization_name: name,
      // Added by members and roles; admin_id stays, equal to user_id.
      user_id: session.json.admin_id,
      role: "owner",
    });
  });

  it("401 with one and the same body for a wrong password and an unknown email", async () => {
    const { email } = await signUp();
    const wrongPassword = await invoke(login, {
      method: "POST",
      path: "/admin/login",
      json: { email, password: "wrong-password" },
    });
    const unknownEmail = await invoke(login, {
      method: "POST",
      path: "/admin/login",
      json: { email: `ghost.${unique()}@example.com`, password: "wrong-password" },
    });
    expectProblem(wrongPassword, 401);
    expect(unknownEmail.status).toBe(401);
    expect(unknownEmail.text).toBe(wrongPassword.text);
  });

  it("422 for a body without a password", async () => {
    expectProblem(await invoke(login, { method: "POST", path: "/admin/login", json: { email: "a@b.co" } }), 422);
  });
});

describe("PUT /org/update (behind the JWT authorizer)", () => {
  it("401 when the authorizer passed no claims", async () => {
    const result = await invoke(updateOrganization, {
      method: "PUT",
      path: "/org/update",
      json: { organization_name: "x", email: "a@b.co", current_password: "hunter2-hunter2" },
    });
    expectProblem(result, 401);
    expect(result.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("renames: 200 with admin_email; the old name is gone, the new one found", async () => {
    const { name, auth, email } = await signUp();
    const newName = `Renamed ${unique()}`;
    const result = await invoke(updateOrganization, {
      method: "PUT",
      path: "/org/update",
      ...auth,
      json: { organization_name: name, new_organization_name: newName },
    });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({
      organization_name: newName,
      admin_email: email,
      collection_name: `org_${newName.toLowerCase().replace(/ /g, "_")}`,
    });
    const lookUp = async (organizationName: string) =>
      (
        await invoke(getOrganization, {
          method: "GET",
          path: "/org/get",
          rawQueryString: `organization_name=${encodeURIComponent(organizationName)}`,
        })
      ).status;
    expect(await lookUp(name)).toBe(404);
    expect(await lookUp(newName)).toBe(200);
  });

  it("403 for another organization, 404 for an unknown one, 409 for a taken name, 422 for nothing to change", async () => {
    const own = await signUp();
    const other = await signUp();
    const put = (json: unknown) =>
      invoke(updateOrganization, { method: "PUT", path: "/org/update", ...own.auth, json });
    expectProblem(await put({ organization_name: other.name, new_organization_name: "Mine Now" }), 403);
    expectProblem(await put({ organization_name: "No Such Org", new_organization_name: "Whatever" }), 404);
    expectProblem(await put({ organization_name: own.name, new_organization_name: other.name }), 409);
    // An email another user has is answered as any pending change: asking must not tell who has an account.
    const taken = await put({ organization_name: own.name, email: other.email, current_password: own.password });
    expect(taken.status).toBe(200);
    expect(taken.json.pending_email).toMatchObject({ email: other.email });
    const nothing = await put({ organization_name: own.name });
    expectProblem(nothing, 422);
    expect(nothing.json.detail).toMatch(/at least one of new_organization_name, email or password/);
  });
});

describe("DELETE /org/delete (behind the JWT authorizer)", () => {
  it("deletes by body; afterwards the name is 404 and the login 401", async () => {
    const { name, auth, email, password } = await signUp();
    const result = await invoke(deleteOrganization, {
      method: "DELETE",
      path: "/org/delete",
      ...auth,
      json: { organization_name: name },
    });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ deleted: true, organization_name: name });
    expect(
      (
        await invoke(getOrganization, {
          method: "GET",
          path: "/org/get",
          rawQueryString: `organization_name=${encodeURIComponent(name)}`,
        })
      ).status,
    ).toBe(404);
    expectProblem(await invoke(login, { method: "POST", path: "/admin/login", json: { email, password } }), 401);
  });

  it("deletes by query string, with no body at all", async () => {
    const { name, auth } = await signUp();
    const result = await invoke(deleteOrganization, {
      method: "DELETE",
      path: "/org/delete",
      ...auth,
      rawQueryString: new URLSearchParams({ organization_name: name }).toString(),
    });
    expect(result.status).toBe(200);
  });

  it("422 without a name or with two different ones; 401 without claims", async () => {
    const { name, auth } = await signUp();
    expectProblem(await invoke(deleteOrganization, { method: "DELETE", path: "/org/delete", ...auth }), 422);
    expectProblem(
      await invoke(deleteOrganization, {
        method: "DELETE",
        path: "/org/delete",
        ...auth,
        rawQueryString: "organization_name=Other",
        json: { organization_name: name },
      }),
      422,
    );
    expectProblem(
      await invoke(deleteOrganization, { method: "DELETE", path: "/org/delete", json: { organization_name: name } }),
      401,
    );
  });
});

describe("discovery", () => {
  it("serves the OpenID configuration and the public JWKS", async () => {
    const discovery = await invoke(openIdConfiguration, { method: "GET", path: "/.well-known/openid-configuration" });
    expect(discovery.status).toBe(200);
    expect(discovery.json.jwks_uri).toBe(`${discovery.json.issuer}/.well-known/jwks.json`);
    const keys = await invoke(jwks, { method: "GET", path: "/.well-known/jwks.json" });
    expect(keys.status).toBe(200);
    expect(keys.text).not.toMatch(/"d"|"p"|"q"/);
    expect((keys.json.keys as unknown[]).length).toBeGreaterThanOrEqual(1);
  });
});

describe("failures the client cannot fix", () => {
  it("500 with no internals when the signing key is broken", async () => {
    const { email, password } = await signUp();
    process.env.JWT_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----";
    resetConfig();
    resetSigningKeys();
    try {
      const result = await invoke(login, { method: "POST", path: "/admin/login", json: { email, password } });
      expectProblem(result, 500);
      expect(result.text).not.toContain("bm90IGEga2V5");
      expect(result.json.detail).toBe("The service is misconfigured.");
    } finally {
      delete process.env.JWT_PRIVATE_KEY;
      resetConfig();
      resetSigningKeys();
    }
  });

  it("health is 200 while the database answers and 503 when it does not", async () => {
    const up = await invoke(health, { method: "GET", path: "/health" });
    expect(up.status).toBe(200);
    expect(up.json).toEqual({ status: "ok" });

    const saved = process.env.MONGODB_URI;
    await closeDatabase();
    process.env.MONGODB_URI = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500";
    resetConfig();
    try {
      const down = await invoke(health, { method: "GET", path: "/health" });
      expect(down.status).toBe(503);
      const create = await invoke(createOrganization, {
        method: "POST",
        path: "/org/create",
        json: { organization_name: `Down ${unique()}`, email: `down.${unique()}@example.com`, password: "password123" },
      });
      expectProblem(create, 503);
      expect(create.text).not.toContain("127.0.0.1:1");
    } finally {
      await closeDatabase();
      process.env.MONGODB_URI = saved;
      resetConfig();
    }
  });
});
