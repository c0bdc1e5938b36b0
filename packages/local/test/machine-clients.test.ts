import { decodeJwt } from "jose";
import * as oauth from "openid-client";
import { afterAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * Machine clients over HTTP: an organization's owner makes a client, and a real OAuth 2.0 client
 * library (openid-client, from the service's discovery document) gets its tokens with both client
 * authentication methods; then what the tokens reach and what they do not, rotation, revocation,
 * the RFC's error objects, and guessing a secret.
 */
const PER_CLIENT = 4;
const server = useLocalServer({
  bcryptCost: 4,
  prepare: async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = String(PER_CLIENT);
    process.env.LOGIN_MAX_FAILURES_PER_IP = "10000";
  },
});
afterAll(() => {
  delete process.env.LOGIN_MAX_FAILURES_PER_EMAIL;
  delete process.env.LOGIN_MAX_FAILURES_PER_IP;
});
const call = httpClient(server.url);

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function owner() {
  const email = `owner.${unique()}@clients.example`;
  const name = `Clients ${unique()}`;
  expect(
    (await call("POST", "/org/create", { json: { organization_name: name, email, password: "owner-password-1" } }))
      .status,
  ).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password: "owner-password-1" } });
  return { name, email, token: login.json.access_token as string };
}

async function newClient(token: string, scopes: string[] = ["data:read", "data:write"]) {
  const created = await call("POST", "/org/clients", { token, json: { name: `sync ${unique()}`, scopes } });
  expect(created.status, created.text).toBe(201);
  return { id: created.json.client_id as string, secret: created.json.client_secret as string, body: created.json };
}

/** The service as an OAuth client library sees it: discovered, over plain HTTP on loopback. */
async function discovered(clientId: string, auth: oauth.ClientAuth) {
  return oauth.discovery(new URL(server.url()), clientId, undefined, auth, {
    execute: [oauth.allowInsecureRequests],
  });
}

/** A raw token request, as a client with its own HTTP code would send it. */
function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return call("POST", "/oauth/token", {
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

describe("an organization's client", () => {
  it("gets tokens from a real OAuth client library, with either authentication method, and uses the data API", async () => {
    const { token } = await owner();
    const client = await newClient(token);
    expect(client.secret).toMatch(/^cs_[\w-]{43}$/);
    expect(client.body.secrets).toEqual([
      { secret_id: expect.any(String), prefix: client.secret.slice(0, 9), created_at: expect.any(String) },
    ]);
    for (const auth of [oauth.ClientSecretBasic(client.secret), oauth.ClientSecretPost(client.secret)]) {
      const config = await discovered(client.id, auth);
      const granted = await oauth.clientCredentialsGrant(config, { scope: "data:read data:write" });
      expect(granted.token_type.toLowerCase()).toBe("bearer");
      expect(granted.expires_in).toBe(900);
      const claims = decodeJwt(granted.access_token);
      expect(claims).toMatchObject({ sub: client.id, client_id: client.id, scope: "data:read data:write" });
      const inserted = await call("POST", "/org/data/documents", {
        token: granted.access_token,
        json: { _id: `from-${unique()}`, source: "client" },
      });
      expect(inserted.status, inserted.text).toBe(201);
      expect(
        (await call("GET", `/org/data/documents/${inserted.json._id}`, { token: granted.access_token })).status,
      ).toBe(200);
    }
    // The listing shows when the secret was last used, never the secret.
    const listed = await call("GET", "/org/clients", { token });
    expect(listed.json.clients[0].secrets[0].last_used_at).toEqual(expect.any(String));
    expect(listed.text).not.toContain(client.secret);
  });

  it("reaches only its own organization's documents, and nothing but what its scopes name", async () => {
    const a = await owner();
    const b = await owner();
    const readOnly = await newClient(a.token, ["data:read"]);
    const config = await discovered(readOnly.id, oauth.ClientSecretBasic(readOnly.secret));
    const { access_token } = await oauth.clientCredentialsGrant(config);
    const secret = `b-only-${unique()}`;
    expect((await call("POST", "/org/data/documents", { token: b.token, json: { _id: secret } })).status).toBe(201);
    expect((await call("GET", `/org/data/documents/${secret}`, { token: access_token })).status).toBe(404);
    // Scopes it does not hold: refused at the gateway (403) — writes, members, clients, the organization.
    for (const [method, path, json] of [
      ["POST", "/org/data/documents", { x: 1 }],
      ["GET", "/org/members", undefined],
      ["GET", "/org/clients", undefined],
      ["POST", "/org/invitations", { email: "x@clients.example", role: "member" }],
      ["GET", "/me", undefined],
    ] as const) {
      const answer = await call(method, path, { token: access_token, ...(json && { json }) });
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    // An organization client can never be granted more than data scopes.
    const refused = await call("POST", "/org/clients", {
      token: a.token,
      json: { name: "greedy", scopes: ["members:manage"] },
    });
    expect(refused.status).toBe(422);
  });

  it("a member may not manage clients; the audit log names the client for what it does", async () => {
    const { token, name } = await owner();
    const invited = await call("POST", "/org/invitations", {
      token,
      json: { email: `member.${unique()}@clients.example`, role: "member" },
    });
    const joined = await call("POST", "/invitations/accept", {
      json: { token: invited.json.token, password: "member-password-1" },
    });
    expect(
      (
        await call("POST", "/org/clients", {
          token: joined.json.access_token,
          json: { name: "x", scopes: ["data:read"] },
        })
      ).status,
    ).toBe(403);

    const indexer = await newClient(token, ["data:indexes"]);
    const { access_token } = await oauth.clientCredentialsGrant(
      await discovered(indexer.id, oauth.ClientSecretPost(indexer.secret)),
    );
    expect((await call("POST", "/org/data/indexes", { token: access_token, json: { keys: { sku: 1 } } })).status).toBe(
      201,
    );
    const audit = await call("GET", "/org/audit", { token });
    expect(audit.json.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "data.index_created", client_id: indexer.id }),
        expect.objectContaining({ action: "client.created", client_id: indexer.id }),
      ]),
    );
    expect(name).toBeTruthy();
  });
});

describe("the token endpoint's refusals are RFC 6749 error objects", () => {
  it("invalid_client (401, WWW-Authenticate) alike for a wrong secret and an unknown client", async () => {
    const { token } = await owner();
    const client = await newClient(token);
    const wrong = await tokenRequest(
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, "cs_wrong") },
    );
    const unknown = await tokenRequest(
      { grant_type: "client_credentials" },
      { authorization: basic("oc_000000000000000000000000", client.secret) },
    );
    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(401);
      expect(answer.contentType).toMatch(/^application\/json/);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Basic /);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.json).toEqual({ error: "invalid_client", error_description: expect.any(String) });
    }
    expect(unknown.json).toEqual(wrong.json);
  });

  it("unsupported_grant_type, invalid_scope and invalid_request (400)", async () => {
    const { token } = await owner();
    const client = await newClient(token, ["data:read"]);
    const auth = { authorization: basic(client.id, client.secret) };
    expect((await tokenRequest({ grant_type: "password", username: "a", password: "b" }, auth)).json.error).toBe(
      "unsupported_grant_type",
    );
    for (const scope of ["data:write", "data:read platform:read", "nonsense"]) {
      const answer = await tokenRequest({ grant_type: "client_credentials", scope }, auth);
      expect(answer.status, scope).toBe(400);
      expect(answer.json.error, scope).toBe("invalid_scope");
    }
    const both = await tokenRequest(
      { grant_type: "client_credentials", client_id: client.id, client_secret: client.secret },
      auth,
    );
    expect(both.json.error).toBe("invalid_request");
    const asJson = await call("POST", "/oauth/token", {
      json: { grant_type: "client_credentials", client_id: client.id, client_secret: client.secret },
    });
    expect(asJson.status).toBe(400);
    expect(asJson.json.error).toBe("invalid_request");
    expect((await tokenRequest({}, auth)).json.error).toBe("invalid_request");
  });

  it("knowing a client's id is not enough to lock it out: failures count per address, not per client", async () => {
    const { token } = await owner();
    const client = await newClient(token);
    for (let i = 0; i < PER_CLIENT + 2; i++) {
      const answer = await tokenRequest(
        { grant_type: "client_credentials" },
        { authorization: basic(client.id, `cs_guess_${i}`) },
      );
      expect(answer.status).toBe(401);
    }
    const right = await tokenRequest(
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, client.secret) },
    );
    expect(right.status, right.text).toBe(200);
    // An id of no client's form is refused before anything is read or counted.
    const odd = await tokenRequest({ grant_type: "client_credentials", client_id: "oc_\u0000x", client_secret: "x" });
    expect(odd.status).toBe(401);
    expect(odd.json.error).toBe("invalid_client");
  });
});

describe("rotation and revocation", () => {
  it("two secrets at most; a deleted secret is refused from the next request on, even while tokens are being issued", async () => {
    const { token } = await owner();
    const client = await newClient(token);
    const second = await call("POST", `/org/clients/${client.id}/secrets`, { token });
    expect(second.status, second.text).toBe(201);
    expect((await call("POST", `/org/clients/${client.id}/secrets`, { token })).status).toBe(409);
    const withSecret = (secret: string) =>
      tokenRequest({ grant_type: "client_credentials" }, { authorization: basic(client.id, secret) });
    expect((await withSecret(second.json.client_secret)).status).toBe(200);

    const oldSecretId = client.body.secrets[0].secret_id as string;
    const inFlight = Array.from({ length: 10 }, () => withSecret(client.secret));
    const deleted = await call("DELETE", `/org/clients/${client.id}/secrets/${oldSecretId}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    await Promise.all(inFlight);
    const after = await Promise.all(Array.from({ length: 10 }, () => withSecret(client.secret)));
    for (const answer of after) expect(answer.json.error).toBe("invalid_client");
    // The last secret cannot go: revoke the client instead.
    const last = await call("DELETE", `/org/clients/${client.id}/secrets/${second.json.secret_id}`, { token });
    expect(last.status).toBe(409);
    const listed = await call("GET", "/org/clients", { token });
    expect(listed.json.clients[0].secrets.map((secret: { secret_id: string }) => secret.secret_id)).toEqual([
      second.json.secret_id,
    ]);
  });

  it("revoking a client refuses its next token request and every token it holds at their next request", async () => {
    const { token } = await owner();
    const client = await newClient(token);
    const granted = await tokenRequest(
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, client.secret) },
    );
    const access = granted.json.access_token as string;
    expect((await call("GET", "/org/data/documents", { token: access })).status).toBe(200);
    expect((await call("DELETE", `/org/clients/${client.id}`, { token })).status).toBe(200);
    expect((await call("GET", "/org/data/documents", { token: access })).status).toBe(401);
    const again = await tokenRequest(
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, client.secret) },
    );
    expect(again.json.error).toBe("invalid_client");
    expect((await call("GET", "/org/clients", { token })).json.clients).toEqual([]);
  });

  it("another organization's owner can neither see nor touch the client (404)", async () => {
    const a = await owner();
    const b = await owner();
    const client = await newClient(a.token);
    expect((await call("DELETE", `/org/clients/${client.id}`, { token: b.token })).status).toBe(404);
    expect((await call("POST", `/org/clients/${client.id}/secrets`, { token: b.token })).status).toBe(404);
    expect((await call("GET", "/org/clients", { token: b.token })).json.clients).toEqual([]);
  });
});
