import http from "node:http";
import net from "node:net";
import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  type Actor,
  createOrganization,
  deleteOrganization,
  getSsoConnection,
  NotFoundError,
  resetConfig,
  saveSsoConnection,
  ValidationError,
} from "../src";
import { database, useIsolatedDatabases, useProviderNetwork } from "../src/testing";

/**
 * Single sign-on's connections in core: the guard every request to an identity provider goes
 * through (a private or public target refused with no packet leaving: the resolver and the connect
 * hook are the test's, and every socket connect is watched), the bound on a provider's answers, the
 * sealed client secret, and a deleted organization's connection going with it. The sign-in itself
 * is tested over HTTP against a real provider (packages/local/test/sso.test.ts).
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());
afterEach(() => {
  useProviderNetwork(undefined);
  delete process.env.SSO_ALLOW_PRIVATE_ISSUERS;
  delete process.env.SSO_ENCRYPTION_KEY;
  resetConfig();
  vi.restoreAllMocks();
});

let counter = 0;
async function owner(): Promise<Actor> {
  counter += 1;
  const organization = await createOrganization({
    organizationName: `Sso Core ${counter} ${Date.now()}`,
    email: `sso${counter}.${Date.now()}@example.com`,
    password: "correct horse battery",
  });
  return { userId: organization.adminId, organizationId: organization.id, role: "owner" };
}

/** Every connection the guard lets start (it must not), and every socket connect at all. */
function watchConnections() {
  const calls: string[] = [];
  const socketConnects = vi.spyOn(net.Socket.prototype, "connect");
  useProviderNetwork({
    resolve: async (hostname) => {
      if (hostname === "idp.corp.example") return [{ address: "10.20.30.40", family: 4 }];
      if (hostname === "idp.rebinding.example")
        return [
          { address: "93.184.216.34", family: 4 },
          { address: "127.0.0.1", family: 4 },
        ];
      if (hostname === "idp.public.example") return [{ address: "93.184.216.34", family: 4 }];
      throw new Error("unknown name");
    },
    onConnect: (address) => {
      calls.push(address);
      // No test here may reach anything: a connection the guard allowed ends before any packet.
      throw new Error("connection refused by the test");
    },
  });
  return { calls, socketConnects };
}

const connection = (issuer: string) => ({ issuer, clientId: "client-1", clientSecret: "a client secret" });

describe("the guard on every request to an identity provider", () => {
  it.each([
    ["a name that resolves to a private address", "https://idp.corp.example"],
    ["a name with a public and a loopback address (rebinding)", "https://idp.rebinding.example"],
    ["the cloud metadata address", "https://169.254.169.254"],
    ["a loopback literal", "https://127.0.0.1:8443"],
    ["plain http", "http://idp.public.example"],
  ])("refuses %s at save, with no connection started", async (_label, issuer) => {
    const actor = await owner();
    const { calls, socketConnects } = watchConnections();
    const refused = await saveSsoConnection(actor, connection(issuer)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues[0]).toMatchObject({ path: "issuer" });
    expect((refused as ValidationError).message).not.toContain("10.20.30.40");
    expect(calls).toEqual([]);
    expect(socketConnects).not.toHaveBeenCalled();
    await expect(getSsoConnection(actor)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets a public address through to the connect (where this test stops it), so the refusals above are the guard's", async () => {
    const actor = await owner();
    const { calls } = watchConnections();
    await expect(saveSsoConnection(actor, connection("https://idp.public.example"))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(calls).toEqual(["93.184.216.34"]);
  });
});

describe("a provider's answers", () => {
  async function serve(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
    const server = http.createServer(answer);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it("are read up to a bound: a discovery document past 256 KB is refused, not buffered", async () => {
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    resetConfig();
    const huge = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ issuer: "x", padding: "x".repeat(400 * 1024) }));
    });
    try {
      const refused = await saveSsoConnection(await owner(), connection(huge.issuer)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).message).toContain("larger than 262144 bytes");
    } finally {
      await huge.close();
    }
  });

  it("must send browsers to an http(s) authorization endpoint, even in local runs: javascript: or data: is refused", async () => {
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    resetConfig();
    let authorizationEndpoint = "";
    const provider = await serve((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      if (request.url === "/jwks") {
        return response.end(JSON.stringify({ keys: [{ kty: "RSA", kid: "k", n: "sXch", e: "AQAB", use: "sig" }] }));
      }
      response.end(
        JSON.stringify({
          issuer: provider.issuer,
          authorization_endpoint: authorizationEndpoint,
          token_endpoint: `${provider.issuer}/token`,
          jwks_uri: `${provider.issuer}/jwks`,
        }),
      );
    });
    try {
      const actor = await owner();
      for (const endpoint of ["javascript:alert(document.cookie)//", "data:text/html,<script>alert(1)</script>"]) {
        authorizationEndpoint = endpoint;
        await expect(saveSsoConnection(actor, connection(provider.issuer))).rejects.toThrow(/not an https URL/);
      }
      // Plain http stays allowed in local runs, where the test's provider is.
      authorizationEndpoint = `${provider.issuer}/authorize`;
      await expect(saveSsoConnection(actor, connection(provider.issuer))).resolves.toMatchObject({
        issuer: provider.issuer,
      });
    } finally {
      await provider.close();
    }
  });

  it("must be an OpenID provider's: another issuer in the document, or no key set, is refused", async () => {
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    resetConfig();
    let documentIssuer = "";
    const provider = await serve((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      if (request.url === "/jwks") return response.end(JSON.stringify({ keys: [] }));
      response.end(
        JSON.stringify({
          issuer: documentIssuer,
          authorization_endpoint: `${provider.issuer}/authorize`,
          token_endpoint: `${provider.issuer}/token`,
          jwks_uri: `${provider.issuer}/jwks`,
          response_types_supported: ["code"],
        }),
      );
    });
    try {
      const actor = await owner();
      documentIssuer = "https://someone-else.example";
      await expect(saveSsoConnection(actor, connection(provider.issuer))).rejects.toThrow(/discovery failed/);
      documentIssuer = provider.issuer;
      await expect(saveSsoConnection(actor, connection(provider.issuer))).rejects.toThrow(/no signing key/);
    } finally {
      await provider.close();
    }
  });
});

describe("a saved connection", () => {
  async function providerWithKeys() {
    const server = http.createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      const issuer = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      if (request.url === "/jwks") {
        return response.end(JSON.stringify({ keys: [{ kty: "RSA", kid: "k", n: "sXch", e: "AQAB", use: "sig" }] }));
      }
      response.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      issuer: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("keeps its client secret sealed under SSO_ENCRYPTION_KEY, never in clear, and goes with its organization", async () => {
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    process.env.SSO_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64url");
    resetConfig();
    const provider = await providerWithKeys();
    try {
      const actor = await owner();
      const saved = await saveSsoConnection(actor, connection(provider.issuer));
      expect(saved).toMatchObject({ issuer: provider.issuer, enabled: false, enforced: false });
      expect(JSON.stringify(saved)).not.toContain("a client secret");
      const db = await database();
      const { ObjectId } = await import("mongodb");
      const stored = await db.ssoConnections.findOne({ _id: new ObjectId(actor.organizationId) });
      expect(JSON.stringify(stored)).not.toContain("a client secret");
      expect(stored!.client_secret_sealed.split(".")).toHaveLength(5); // a compact JWE

      // Saved again without a secret: the sealed one is kept as it was.
      await saveSsoConnection(actor, { issuer: provider.issuer, clientId: "client-1", scopes: ["openid", "email"] });
      const kept = await db.ssoConnections.findOne({ _id: new ObjectId(actor.organizationId) });
      expect(kept!.client_secret_sealed).toBe(stored!.client_secret_sealed);
      expect(kept!.scopes).toEqual(["openid", "email"]);
      // But not for another client (or issuer): the secret goes only where it was saved for.
      const moved = await saveSsoConnection(actor, { issuer: provider.issuer, clientId: "client-2" }).catch(
        (error: unknown) => error,
      );
      expect(moved).toBeInstanceOf(ValidationError);
      expect((moved as ValidationError).issues).toEqual([expect.objectContaining({ path: "client_secret" })]);

      const organization = await db.organizations.findOne({ _id: new ObjectId(actor.organizationId) });
      await deleteOrganization(actor, organization!.name);
      expect(await db.ssoConnections.countDocuments({ _id: new ObjectId(actor.organizationId) })).toBe(0);
    } finally {
      await provider.close();
    }
  });

  it("needs a client secret when it is new", async () => {
    const refused = await saveSsoConnection(await owner(), { issuer: "https://idp.example", clientId: "c" }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([expect.objectContaining({ path: "client_secret" })]);
  });
});
