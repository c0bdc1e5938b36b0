import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import Provider from "oidc-provider";

/**
 * Identity providers for the single sign-on tests, on loopback ports:
 *
 * - {@link startOpenIdProvider}: a real, certified OpenID Provider (oidc-provider) with its own
 *   users, its login and consent pages (its development interactions), one registered client.
 * - {@link startForgingProvider}: a provider that answers discovery and its key set like any other,
 *   but whose token endpoint returns the ID token a test hands it — the forged, expired, unsigned
 *   or misaddressed tokens a real provider would never issue.
 */

export interface ProviderAccount {
  readonly email: string;
  /** The `email_verified` claim as the provider sends it: a boolean, or a string as some providers do. */
  readonly emailVerified?: boolean | "true" | "false";
  readonly name?: string;
}

export interface OpenIdProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Sign in at the provider as `accountId` through its pages, from its authorization URL to the redirect back. */
  signIn(authorizationUrl: string, accountId: string): Promise<string>;
  close(): Promise<void>;
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closing = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startOpenIdProvider(options: {
  readonly redirectUri: string;
  readonly accounts: Readonly<Record<string, ProviderAccount>>;
}): Promise<OpenIdProvider> {
  const server = createServer();
  const issuer = await listening(server);
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };
  const clientId = "org-service";
  const clientSecret = "a-client-secret-of-the-test-provider";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [signingKey as JWK & { kty: "RSA" }] },
    async findAccount(_ctx, sub) {
      const account = options.accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            ...(account.emailVerified !== undefined && { email_verified: account.emailVerified }),
            ...(account.name !== undefined && { name: account.name }),
          };
        },
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // The ID token carries the scopes' claims, as the common providers' do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["a-cookie-key-of-the-test-provider"] },
  });
  server.on("request", provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    async signIn(authorizationUrl, accountId) {
      // The provider's own cookies (its session and interactions): by name, for its one origin.
      const jar = new Map<string, string>();
      const request = async (url: string, init: RequestInit = {}) => {
        const answer = await fetch(url, {
          ...init,
          redirect: "manual",
          headers: {
            ...(init.headers as Record<string, string>),
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          },
        });
        for (const line of answer.headers.getSetCookie()) {
          const [pair] = line.split(";");
          const at = pair!.indexOf("=");
          const name = pair!.slice(0, at);
          const value = pair!.slice(at + 1);
          if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") jar.delete(name);
          else jar.set(name, value);
        }
        await answer.arrayBuffer();
        return answer;
      };
      let location = authorizationUrl;
      // Authorization → login page → login → resume → consent page → consent → resume → back to us.
      for (let step = 0; step < 12; step++) {
        if (!location.startsWith(issuer)) return location;
        const answer = await request(location);
        if (answer.status === 200) {
          const uid = new URL(location).pathname.split("/").pop()!;
          const page = await fetch(location, { headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
          const html = await page.text();
          const prompt = html.includes('name="prompt" value="login"') ? "login" : "consent";
          const form = new URLSearchParams({
            prompt,
            ...(prompt === "login" && { login: accountId, password: "any" }),
          });
          const submitted = await request(`${issuer}/interaction/${uid}`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: form.toString(),
          });
          location = new URL(submitted.headers.get("location")!, issuer).href;
          continue;
        }
        const next = answer.headers.get("location");
        if (!next) throw new Error(`the provider answered ${answer.status} without a redirect`);
        location = new URL(next, issuer).href;
      }
      throw new Error("the provider's sign-in did not end");
    },
    close: () => closing(server),
  };
}

export interface ForgingProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The provider's signing key, to sign tokens a test forges as if the provider had. */
  sign(claims: Record<string, unknown>, header?: { alg?: string; kid?: string }): Promise<string>;
  /** What the token endpoint answers next (one answer per exchange). */
  answerNext(idToken: string): void;
  /** The public key set, as served. */
  readonly publicJwk: JWK;
  /** How many code exchanges its token endpoint has seen. */
  readonly tokenRequests: number;
  close(): Promise<void>;
}

export async function startForgingProvider(): Promise<ForgingProvider> {
  const server = createServer();
  const issuer = await listening(server);
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: "forging-key", alg: "RS256", use: "sig" };
  const clientId = "org-service";
  const clientSecret = "a-client-secret-of-the-forging-provider";
  const answers: string[] = [];
  let tokenRequests = 0;
  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(JSON.stringify(body));
  };
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const { pathname } = new URL(request.url ?? "/", issuer);
    if (pathname === "/.well-known/openid-configuration") {
      return send(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      });
    }
    if (pathname === "/jwks") return send(response, 200, { keys: [publicJwk] });
    if (pathname === "/token") {
      tokenRequests += 1;
      request.resume();
      const idToken = answers.shift();
      if (!idToken) return send(response, 400, { error: "invalid_grant" });
      return send(response, 200, { access_token: "opaque", token_type: "Bearer", expires_in: 300, id_token: idToken });
    }
    send(response, 404, { error: "not_found" });
  });
  return {
    issuer,
    clientId,
    clientSecret,
    publicJwk,
    get tokenRequests() {
      return tokenRequests;
    },
    async sign(claims, header = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: header.alg ?? "RS256", kid: header.kid ?? "forging-key" })
        .sign(privateKey);
    },
    answerNext(idToken) {
      answers.push(idToken);
    },
    close: () => closing(server),
  };
}
