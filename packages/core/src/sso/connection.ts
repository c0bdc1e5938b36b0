import { ObjectId } from "mongodb";
import * as oidc from "openid-client";
import * as z from "zod/mini";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import type { SsoConnectionDocument, SsoProviderMetadata } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { verifiedDomainsOf } from "../domains/verified";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { type Actor, toObjectId } from "../organizations/model";
import { hasControlCharacter, parseInput } from "../validation";
import { providerFetch } from "./provider-fetch";
import { sealSecret } from "./secret-box";

/**
 * An organization's OpenID Connect connection (`/org/sso`): which identity provider its members
 * sign in with, as which client, and whether single sign-on is on and enforced. The provider's
 * discovery document is fetched and checked when the connection is saved, and again when it is
 * tested, so a typo in the issuer is answered at once rather than at the first sign-in.
 */

/** An ID token claim name, as providers spell them (`email`, `upn`, `preferred_username`, URLs). */
const claimName = z
  .string()
  .check(
    z.minLength(1, "must not be empty"),
    z.maxLength(256, "must be at most 256 characters"),
    z.regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
  );

/** An OAuth scope token (RFC 6749 §3.3). */
const scopeToken = z
  .string()
  .check(
    z.minLength(1, "must not be empty"),
    z.maxLength(128, "must be at most 128 characters"),
    z.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "is not a scope token"),
  );

const text = (max: number) =>
  z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((value: string) => !hasControlCharacter(value), "must not contain control characters"),
  );

export const DEFAULT_SSO_SCOPES = ["openid", "email", "profile"] as const;

export const saveSsoConnectionInputSchema = z.object({
  issuer: z.string().check(
    z.minLength(1, "must not be empty"),
    z.maxLength(2048, "must be at most 2048 characters"),
    z.refine((issuer: string) => URL.canParse(issuer), "must be an absolute URL"),
  ),
  clientId: text(256),
  /** Required when the connection is new; absent on a change, the secret saved before is kept. */
  clientSecret: z.optional(text(1024)),
  scopes: z.optional(
    z.array(scopeToken).check(
      z.maxLength(20, "must have at most 20 scopes"),
      z.refine((scopes: string[]) => scopes.includes("openid"), 'must include "openid"'),
      z.refine((scopes: string[]) => new Set(scopes).size === scopes.length, "must not repeat a scope"),
    ),
  ),
  emailClaim: z.optional(claimName),
  nameClaim: z.optional(claimName),
});
export type SaveSsoConnectionInput = z.input<typeof saveSsoConnectionInputSchema>;

export const changeSsoConnectionInputSchema = z
  .object({ enabled: z.optional(z.boolean()), enforced: z.optional(z.boolean()) })
  .check(
    z.refine(
      (input) => input.enabled !== undefined || input.enforced !== undefined,
      "nothing to change: give enabled or enforced",
    ),
  );
export type ChangeSsoConnectionInput = z.input<typeof changeSsoConnectionInputSchema>;

/** A connection as shown to owners and admins: never its client secret. */
export interface SsoConnection {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly emailClaim: string;
  readonly nameClaim: string;
  readonly enabled: boolean;
  readonly enforced: boolean;
  /** What to register at the provider as the client's redirect URI. */
  readonly redirectUri: string;
  readonly provider: SsoProviderMetadata;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly testedAt?: Date;
}

/**
 * The callback an organization's provider redirects to, on the service's public URL: one per
 * organization, so that an answer meant for one organization's sign-in cannot be taken in by
 * another's (the mix-up attack: one provider relaying another's code through a shared callback).
 */
export function ssoRedirectUri(organizationId: ObjectId | string): string {
  const id = typeof organizationId === "string" ? organizationId : organizationId.toHexString();
  return `${config().jwt.issuer}/auth/sso/callback/${id}`;
}

function toConnection(document: SsoConnectionDocument): SsoConnection {
  return {
    issuer: document.issuer,
    clientId: document.client_id,
    scopes: document.scopes,
    emailClaim: document.email_claim,
    nameClaim: document.name_claim,
    enabled: document.enabled,
    enforced: document.enforced,
    redirectUri: ssoRedirectUri(document._id),
    provider: document.provider,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
    ...(document.tested_at && { testedAt: document.tested_at }),
  };
}

const organizationOf = (actor: Actor): ObjectId => {
  const id = toObjectId(actor.organizationId);
  if (!id) throw new NotFoundError("The organization does not exist.");
  return id;
};

const noConnection = () => new NotFoundError("This organization has no single sign-on connection.");

/** `GET /org/sso`: owners and admins. */
export async function getSsoConnection(actor: Actor): Promise<SsoConnection> {
  requireScope(actor, "org:sso", "read the single sign-on connection");
  const db = await database();
  const found = await db.ssoConnections.findOne({ _id: organizationOf(actor) });
  if (!found) throw noConnection();
  return toConnection(found);
}

/**
 * The provider's metadata from its discovery document, checked for what a sign-in needs: the code
 * flow, PKCE with S256 where the provider says which methods it has, and a key set to verify ID
 * tokens with. The issuer it declares must be the one given (openid-client checks it).
 */
export async function discoverProvider(issuer: string): Promise<{ metadata: SsoProviderMetadata; keys: number }> {
  const invalid = (message: string, cause?: unknown) =>
    new ValidationError([{ path: "issuer", message }], cause === undefined ? undefined : { cause });
  let server: oidc.ServerMetadata;
  try {
    const discovered = await oidc.discovery(new URL(issuer), "discovery", undefined, undefined, {
      [oidc.customFetch]: providerFetch,
      ...(config().sso.allowPrivateIssuers && { execute: [oidc.allowInsecureRequests] }),
    });
    server = discovered.serverMetadata();
  } catch (error) {
    throw invalid(`its OpenID Connect discovery failed: ${describeProviderError(error)}`, error);
  }
  const { authorization_endpoint, token_endpoint, jwks_uri } = server;
  if (!authorization_endpoint || !token_endpoint || !jwks_uri) {
    throw invalid("its discovery document lacks an authorization, token or JWKS endpoint");
  }
  // Where browsers are sent: https, or plain http in local runs (the SSRF guard checks the
  // service's own requests, not the browser's) — never another scheme (`javascript:`, `data:`).
  const browserSchemes = config().sso.allowPrivateIssuers ? ["https:", "http:"] : ["https:"];
  if (!browserSchemes.includes(new URL(authorization_endpoint).protocol)) {
    throw invalid("its authorization endpoint is not an https URL");
  }
  if (server.response_types_supported && !server.response_types_supported.includes("code")) {
    throw invalid("the provider does not offer the authorization code flow");
  }
  if (server.code_challenge_methods_supported && !server.code_challenge_methods_supported.includes("S256")) {
    throw invalid("the provider does not offer PKCE with S256");
  }
  const keys = await signingKeyCount(jwks_uri).catch((error: unknown) => {
    throw invalid(`its key set could not be read: ${describeProviderError(error)}`, error);
  });
  if (keys === 0) throw invalid("its key set has no signing key");
  return {
    metadata: {
      issuer: server.issuer,
      authorization_endpoint,
      token_endpoint,
      jwks_uri,
      ...(server.id_token_signing_alg_values_supported && {
        id_token_signing_alg_values_supported: server.id_token_signing_alg_values_supported,
      }),
      ...(server.token_endpoint_auth_methods_supported && {
        token_endpoint_auth_methods_supported: server.token_endpoint_auth_methods_supported,
      }),
      ...(server.code_challenge_methods_supported && {
        code_challenge_methods_supported: server.code_challenge_methods_supported,
      }),
      ...(server.authorization_response_iss_parameter_supported === true && {
        authorization_response_iss_parameter_supported: true,
      }),
    },
    keys,
  };
}

/** The public signing keys a key set holds (RSA, EC or OKP, not marked for encryption). */
async function signingKeyCount(jwksUri: string): Promise<number> {
  const answer = await providerFetch(jwksUri, {
    method: "GET",
    headers: { accept: "application/json" },
    body: undefined,
    redirect: "manual",
  });
  if (answer.status !== 200) throw new Error(`it answered ${answer.status}`);
  const set = (await answer.json().catch(() => undefined)) as { keys?: unknown } | undefined;
  if (!set || !Array.isArray(set.keys)) throw new Error("it is not a JSON Web Key Set");
  return set.keys.filter(
    (key: { kty?: unknown; use?: unknown; d?: unknown }) =>
      ["RSA", "EC", "OKP"].includes(String(key?.kty)) && key.use !== "enc" && key.d === undefined,
  ).length;
}

/**
 * What went wrong with a provider, in words safe to show the admin who configured it: our own
 * reasons (which name no address), or the library's error code — never a message that could quote
 * an answer's body.
 */
export function describeProviderError(error: unknown): string {
  // The library wraps what our fetch threw: the reason is in the chain of causes.
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause.name === "ProviderUnreachableError") return cause.message;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code)) return `the answer was refused (${code})`;
  if (error instanceof Error && error.message.startsWith("it ")) return error.message;
  return "the answer was not valid";
}

/**
 * `PUT /org/sso`: create or replace the connection. The issuer is discovered first: nothing is
 * saved for an issuer that does not answer as an OpenID provider. The client secret is sealed
 * (secret-box.ts) and never returned; leaving it out of a change keeps the saved one. Whether the
 * connection is enabled or enforced is changed with {@link changeSsoConnection} only.
 */
export async function saveSsoConnection(
  actor: Actor,
  input: SaveSsoConnectionInput,
  context: RequestContext = {},
): Promise<SsoConnection> {
  requireScope(actor, "org:sso", "configure single sign-on");
  const parsed = parseInput(saveSsoConnectionInputSchema, input);
  const organizationId = organizationOf(actor);
  const db = await database();
  const existing = await db.ssoConnections.findOne({ _id: organizationId });
  // The sealed secret is sent to the saved provider only: a change of provider or client must come
  // with its own secret, or saving another issuer would hand the old one to it.
  if (
    parsed.clientSecret === undefined &&
    (!existing || existing.client_id !== parsed.clientId || existing.issuer !== parsed.issuer.replace(/\/+$/, ""))
  ) {
    throw new ValidationError([
      { path: "client_secret", message: "is required for a new connection, and when the issuer or client changes" },
    ]);
  }
  const { metadata } = await discoverProvider(parsed.issuer);
  const now = nowOf(context);
  const sealed = parsed.clientSecret === undefined ? undefined : await sealSecret(parsed.clientSecret);
  const fields = {
    issuer: metadata.issuer,
    client_id: parsed.clientId,
    scopes: parsed.scopes ?? [...DEFAULT_SSO_SCOPES],
    email_claim: parsed.emailClaim ?? "email",
    name_claim: parsed.nameClaim ?? "name",
    provider: metadata,
    updated_at: now,
    tested_at: now,
    ...(sealed !== undefined && { client_secret_sealed: sealed }),
  };
  const upsert = () =>
    db.ssoConnections.updateOne(
      { _id: organizationId },
      { $set: fields, $setOnInsert: { enabled: false, enforced: false, created_at: now } },
      { upsert: true },
    );
  // Two first saves at once both find nothing and both insert: the second's key is taken, and as
  // an update it then applies (the last save wins, as with any two saves).
  await upsert().catch((error: unknown) => {
    if (!isDuplicateKeyError(error)) throw error;
    return upsert();
  });
  const saved = await db.ssoConnections.findOne({ _id: organizationId });
  if (!saved) throw noConnection();
  await recordAudit(
    db,
    {
      action: "sso.connection_saved",
      organizationId,
      userId: new ObjectId(actor.userId),
      details: { issuer: metadata.issuer, client_id: parsed.clientId, secret_changed: sealed !== undefined },
    },
    context,
  );
  return toConnection(saved);
}

/**
 * `PATCH /org/sso`: turn single sign-on on or off, and enforce it (password login refused to the
 * users of the organization's verified domains, its owners excepted). Enforcing needs it on;
 * turning it off stops enforcing too.
 */
export async function changeSsoConnection(
  actor: Actor,
  input: ChangeSsoConnectionInput,
  context: RequestContext = {},
): Promise<SsoConnection> {
  requireScope(actor, "org:sso", "change single sign-on");
  const change = parseInput(changeSsoConnectionInputSchema, input);
  const organizationId = organizationOf(actor);
  const db = await database();
  const existing = await db.ssoConnections.findOne({ _id: organizationId });
  if (!existing) throw noConnection();
  const enabled = change.enabled ?? existing.enabled;
  const enforced = enabled ? (change.enforced ?? existing.enforced) : false;
  // Its users sign in only with an email in one of its verified domains: without one, enabling
  // would open a sign-in that can only fail (and a redirect to an unvetted provider).
  if (change.enabled === true && (await verifiedDomainsOf(db, organizationId)).length === 0) {
    throw new ConflictError("Verify a domain of the organization before enabling single sign-on.", "enabled", {
      issue: "needs a verified domain",
    });
  }
  if (change.enforced === true && !enabled) {
    throw new ConflictError("Single sign-on must be enabled to be enforced.", "enforced", {
      issue: "needs single sign-on enabled",
    });
  }
  await db.ssoConnections.updateOne(
    { _id: organizationId },
    { $set: { enabled, enforced, updated_at: nowOf(context) } },
  );
  await recordAudit(
    db,
    {
      action: "sso.connection_changed",
      organizationId,
      userId: new ObjectId(actor.userId),
      details: { enabled, enforced },
    },
    context,
  );
  return toConnection({ ...existing, enabled, enforced, updated_at: nowOf(context) });
}

/** `DELETE /org/sso`: the connection and its sealed secret go; sign-ins under way fail at their callback. */
export async function deleteSsoConnection(actor: Actor, context: RequestContext = {}): Promise<void> {
  requireScope(actor, "org:sso", "delete the single sign-on connection");
  const organizationId = organizationOf(actor);
  const db = await database();
  const { deletedCount } = await db.ssoConnections.deleteOne({ _id: organizationId });
  if (deletedCount === 0) throw noConnection();
  await db.ssoLogins.deleteMany({ organization_id: organizationId });
  await recordAudit(
    db,
    { action: "sso.connection_deleted", organizationId, userId: new ObjectId(actor.userId) },
    context,
  );
}

/** What a test of the connection found. */
export interface SsoConnectionTest {
  readonly ok: true;
  readonly provider: SsoProviderMetadata;
  readonly signingKeys: number;
  readonly testedAt: Date;
}

/**
 * `POST /org/sso/test`: discover the provider again and read its key set, and keep what was found
 * (a provider that moved an endpoint is followed). A failure is the same 422 a save gives.
 */
export async function testSsoConnection(actor: Actor, context: RequestContext = {}): Promise<SsoConnectionTest> {
  requireScope(actor, "org:sso", "test the single sign-on connection");
  const organizationId = organizationOf(actor);
  const db = await database();
  const existing = await db.ssoConnections.findOne({ _id: organizationId });
  if (!existing) throw noConnection();
  const { metadata, keys } = await discoverProvider(existing.issuer);
  const testedAt = nowOf(context);
  await db.ssoConnections.updateOne({ _id: organizationId }, { $set: { provider: metadata, tested_at: testedAt } });
  return { ok: true, provider: metadata, signingKeys: keys, testedAt };
}
