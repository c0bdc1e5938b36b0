import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ObjectId } from "mongodb";
import * as oidc from "openid-client";
import * as z from "zod/mini";
import { recordAudit } from "../audit";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument, SsoConnectionDocument, SsoLoginDocument } from "../db/documents";
import { GoneError, NotFoundError, OrganizationSuspendedError } from "../errors";
import { logger, requestFields } from "../logger";
import { membershipId } from "../members/membership";
import { useOnce } from "../mfa/codes";
import { type MfaRequired, startMfaChallenge } from "../mfa/login";
import type { LoginResult } from "../organizations/login";
import { toOrganization, VISIBLE } from "../organizations/model";
import { hashRandomSecret, newRandomSecret } from "../random-secret";
import { openSession } from "../sessions/session";
import { slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput } from "../validation";
import { describeProviderError, ssoRedirectUri } from "./connection";
import { verifiedDomainOwner } from "../domains/verified";
import { emailDomain } from "../domains/email-domain";
import { joinBySingleSignOn } from "./join";
import { providerFetch } from "./provider-fetch";
import { SsoLoginRefusedError } from "./refusal";
import { openSecret } from "./secret-box";

/**
 * Signing in through an organization's identity provider: OpenID Connect's authorization code
 * flow with PKCE, `state` and `nonce`, done by openid-client. Three steps:
 *
 * 1. {@link startSsoLogin} (`GET /auth/sso/start`): the organization is found by its name or by
 *    the verified domain of an email; a sign-in is recorded under the SHA-256 of its `state`, bound
 *    to the browser by a random value in a cookie (only its hash is stored), and the browser is
 *    sent to the provider.
 * 2. {@link completeSsoLogin} (`GET /auth/sso/callback`): the provider's answer is accepted once,
 *    from the browser that started it; openid-client exchanges the code and checks the ID token
 *    (issuer, audience, signature against the provider's key set, nonce, expiry); the email it
 *    asserts must be verified by the provider where it says, and in one of the organization's
 *    verified domains. The user is found, or joins just in time as a member; the result is a
 *    handoff code for the dashboard, in the URL's fragment (never sent to a server or logged).
 * 3. {@link exchangeSsoHandoff} (`POST /auth/sso/exchange`): the dashboard trades the code, with
 *    the PKCE-style verifier it kept since step 1, for a session's tokens — a normal session, as a
 *    password login opens, or, for a user with two-factor login, the code step a password login
 *    answers. Tokens never travel in a URL.
 */

/** How long a started sign-in waits for its callback. */
export const SSO_LOGIN_TTL_SECONDS = 600;
/** How long the dashboard has to exchange a completed sign-in. */
export const SSO_HANDOFF_TTL_SECONDS = 120;

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("base64url");

const equalHashes = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** An S256 challenge: the base64url SHA-256 of a verifier (RFC 7636's form, 43 characters). */
const challengeSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url SHA-256 (43 characters)"));

export const startSsoLoginInputSchema = z
  .object({
    organization: z.optional(organizationNameSchema),
    email: z.optional(emailSchema),
    handoffChallenge: challengeSchema,
  })
  .check(
    z.refine(
      (input) => (input.organization === undefined) !== (input.email === undefined),
      "give either organization or email",
    ),
  );
export type StartSsoLoginInput = z.input<typeof startSsoLoginInputSchema>;

export interface StartedSsoLogin {
  /** Where the browser goes: the provider's authorization endpoint. */
  readonly location: string;
  /** The random value for the browser's cookie, which the callback must bring back. */
  readonly browserBinding: string;
  readonly expiresIn: number;
}

const noSingleSignOn = () => new NotFoundError("Single sign-on is not set up for this organization or email.");

/** The connection an enabled sign-in goes through, and its organization, if there is one. */
async function enabledConnection(
  db: Database,
  organizationId: ObjectId,
): Promise<{ connection: SsoConnectionDocument; organization: OrganizationDocument } | undefined> {
  const [connection, organization] = await Promise.all([
    db.ssoConnections.findOne({ _id: organizationId }),
    db.organizations.findOne({ _id: organizationId, ...VISIBLE }),
  ]);
  if (!connection?.enabled || !organization) return undefined;
  return { connection, organization };
}

/** openid-client's view of a saved connection: the metadata found at save time, the sealed secret opened. */
async function clientConfiguration(
  connection: SsoConnectionDocument,
  use: "redirect" | "exchange",
): Promise<oidc.Configuration> {
  // Building the provider's URL needs no secret: only the code's exchange opens it.
  const secret = use === "exchange" ? await openSecret(connection.client_secret_sealed) : undefined;
  const methods = connection.provider.token_endpoint_auth_methods_supported;
  // client_secret_basic is the specification's default; post only where the provider offers nothing else.
  const authentication =
    secret === undefined
      ? oidc.None()
      : methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")
        ? oidc.ClientSecretPost(secret)
        : oidc.ClientSecretBasic(secret);
  const configuration = new oidc.Configuration(
    { ...connection.provider },
    connection.client_id,
    {
      ...(secret !== undefined && { client_secret: secret }),
      id_token_signed_response_alg: signingAlgorithmOf(connection),
    },
    authentication,
  );
  configuration[oidc.customFetch] = providerFetch;
  // The ID token's signature is checked against the provider's key set, not only trusted from TLS.
  oidc.enableNonRepudiationChecks(configuration);
  if (config().sso.allowPrivateIssuers) oidc.allowInsecureRequests(configuration);
  return configuration;
}

/**
 * The one algorithm ID tokens must be signed with: RS256 (what every provider supports, and the
 * specification's default) unless the provider offers only other asymmetric ones. Never `none` nor
 * an HMAC, whose key would be the client secret or, forged, the provider's public key.
 */
function signingAlgorithmOf(connection: SsoConnectionDocument): string {
  const offered = connection.provider.id_token_signing_alg_values_supported ?? ["RS256"];
  if (offered.includes("RS256")) return "RS256";
  return offered.find((alg) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)) ?? "RS256";
}

/** `GET /auth/sso/start`: where the browser goes, and the cookie it carries there and back. */
export async function startSsoLogin(input: StartSsoLoginInput, context: RequestContext = {}): Promise<StartedSsoLogin> {
  const { organization: name, email, handoffChallenge } = parseInput(startSsoLoginInputSchema, input);
  const db = await database();
  let organizationId: ObjectId | undefined;
  if (name !== undefined) {
    // Names are unique by their slug, as logins find them.
    const found = await db.organizations.findOne({ slug: slugify(name), ...VISIBLE }, { projection: { _id: 1 } });
    organizationId = found?._id;
  } else {
    organizationId = (await verifiedDomainOwner(db, emailDomain(email!))) ?? undefined;
  }
  const found = organizationId && (await enabledConnection(db, organizationId));
  if (!found) throw noSingleSignOn();
  if (found.organization.suspended) throw new OrganizationSuspendedError();

  const configuration = await clientConfiguration(found.connection, "redirect");
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const browserBinding = randomBytes(32).toString("base64url");
  const now = nowOf(context);
  await db.ssoLogins.insertOne({
    _id: sha256(state),
    organization_id: found.organization._id,
    browser_hash: sha256(browserBinding),
    code_verifier: codeVerifier,
    nonce,
    handoff_challenge: handoffChallenge,
    created_at: now,
    expires_at: new Date(now.getTime() + SSO_LOGIN_TTL_SECONDS * 1000),
  });
  const location = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: ssoRedirectUri(found.organization._id),
    scope: found.connection.scopes.join(" "),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    ...(email !== undefined && { login_hint: email }),
  });
  return { location: location.href, browserBinding, expiresIn: SSO_LOGIN_TTL_SECONDS };
}

export { SsoLoginRefusedError };

export interface CompleteSsoLoginInput {
  /** The organization whose callback the provider sent the browser to (its path names it). */
  readonly organizationId: string;
  /** The callback's whole URL, as the provider sent the browser to it. */
  readonly callbackUrl: string;
  /** The cookie the start set, if the browser brought it back. */
  readonly browserBinding: string | undefined;
}

/** `GET /auth/sso/callback`: the handoff code for the dashboard; refusals are {@link SsoLoginRefusedError}. */
export async function completeSsoLogin(
  input: CompleteSsoLoginInput,
  context: RequestContext = {},
): Promise<{ handoffCode: string; expiresIn: number }> {
  const now = nowOf(context);
  const db = await database();
  const callbackUrl = new URL(input.callbackUrl);
  const state = callbackUrl.searchParams.get("state");
  const unknown = () =>
    new SsoLoginRefusedError("unknown_sign_in", "The sign-in is unknown, used or expired: start it again.");
  if (!state || state.length > 512) throw unknown();
  const loginId = sha256(state);
  const started = await db.ssoLogins.findOne({ _id: loginId, expires_at: { $gt: now } });
  if (!started) throw unknown();
  // An answer at another organization's callback is not this sign-in's, whatever its state says
  // (a provider relaying another's code): refused before any code is exchanged.
  if (started.organization_id.toHexString() !== input.organizationId) throw unknown();
  if (!input.browserBinding || !equalHashes(sha256(input.browserBinding), started.browser_hash)) {
    throw new SsoLoginRefusedError("other_browser", "The sign-in was started in another browser.");
  }
  // Once: a replayed callback (the same state and code again) finds the sign-in used.
  if (!(await useOnce(db, undefined, `sso-login:${loginId}`, "sso-login", now, started.expires_at))) throw unknown();
  await db.ssoLogins.deleteOne({ _id: loginId });

  try {
    return await finishSignIn(db, started, state, callbackUrl, context);
  } catch (error) {
    if (error instanceof SsoLoginRefusedError) {
      await recordAudit(
        db,
        { action: "sso.login_failed", organizationId: started.organization_id, details: { reason: error.reason } },
        context,
      );
    }
    throw error;
  }
}

/** The callback once its sign-in is found and used: the provider's answer checked, the user found or joined. */
async function finishSignIn(
  db: Database,
  started: SsoLoginDocument,
  state: string,
  callbackUrl: URL,
  context: RequestContext,
): Promise<{ handoffCode: string; expiresIn: number }> {
  const now = nowOf(context);
  const available = await enabledConnection(db, started.organization_id);
  if (!available || available.organization.suspended) {
    throw new SsoLoginRefusedError("not_available", "Single sign-on is not available for this organization.");
  }
  const { connection, organization } = available;
  if (callbackUrl.searchParams.has("error")) {
    throw new SsoLoginRefusedError("provider_error", "The identity provider answered with an error.");
  }

  let claims: oidc.IDToken;
  try {
    const configuration = await clientConfiguration(connection, "exchange");
    // The callback's URL as registered (the service's public one): a proxy in front may have rewritten its host.
    const current = new URL(ssoRedirectUri(started.organization_id));
    current.search = callbackUrl.search;
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: started.code_verifier,
      expectedState: state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    const found = tokens.claims();
    if (!found) throw new Error("no ID token");
    claims = found;
  } catch (error) {
    throw new SsoLoginRefusedError(
      "answer_refused",
      `The identity provider's answer was refused: ${describeProviderError(error)}.`,
      {
        cause: error,
      },
    );
  }

  const asserted = claims[connection.email_claim];
  const parsedEmail = z.safeParse(emailSchema, asserted);
  if (!parsedEmail.success) throw new SsoLoginRefusedError("no_email", "The identity provider gave no usable email.");
  const email = parsedEmail.data;
  // A provider that says the address is not verified is believed; one that says nothing vouches for
  // its own users (the organization's domain is verified by DNS). Some providers send the claim as
  // a string (Cognito's "false"): read as the boolean it spells.
  const emailVerified: unknown = claims.email_verified;
  if (emailVerified === false || emailVerified === "false") {
    throw new SsoLoginRefusedError("email_not_verified", "The identity provider says the email is not verified.");
  }
  const domainOwner = await verifiedDomainOwner(db, emailDomain(email));
  if (!domainOwner?.equals(organization._id)) {
    throw new SsoLoginRefusedError(
      "email_outside_domains",
      "The email is not in one of the organization's verified domains.",
    );
  }
  const name = typeof claims[connection.name_claim] === "string" ? String(claims[connection.name_claim]) : undefined;
  const { user, joined } = await joinBySingleSignOn(db, organization, email, name, context);

  const { secret: handoffCode, hash } = newRandomSecret();
  await db.ssoHandoffs.insertOne({
    _id: hash,
    organization_id: organization._id,
    user_id: user._id,
    handoff_challenge: started.handoff_challenge,
    created_at: now,
    expires_at: new Date(now.getTime() + SSO_HANDOFF_TTL_SECONDS * 1000),
  });
  if (joined) {
    logger.info("member joined by single sign-on", {
      organization_id: organization._id.toHexString(),
      ...requestFields(context),
    });
  }
  return { handoffCode, expiresIn: SSO_HANDOFF_TTL_SECONDS };
}

export const exchangeSsoHandoffInputSchema = z.object({
  code: z.string().check(z.minLength(1, "must not be empty"), z.maxLength(128, "is not a sign-in code")),
  verifier: z.string().check(z.regex(/^[A-Za-z0-9._~-]{43,128}$/, "is not a PKCE verifier (RFC 7636)")),
});
export type ExchangeSsoHandoffInput = z.input<typeof exchangeSsoHandoffInputSchema>;

/** `POST /auth/sso/exchange`: a completed sign-in's session, once, to the holder of its verifier. */
export async function exchangeSsoHandoff(
  input: ExchangeSsoHandoffInput,
  context: RequestContext = {},
): Promise<LoginResult | MfaRequired> {
  const { code, verifier } = parseInput(exchangeSsoHandoffInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const gone = () => new GoneError("This sign-in is unknown, used or expired: sign in again.");
  const id = hashRandomSecret(code);
  const handoff = await db.ssoHandoffs.findOne({ _id: id, expires_at: { $gt: now } });
  if (!handoff || !equalHashes(sha256(verifier), handoff.handoff_challenge)) throw gone();
  if (!(await useOnce(db, handoff.user_id, `sso-handoff:${id}`, "sso-handoff", now, handoff.expires_at))) throw gone();
  await db.ssoHandoffs.deleteOne({ _id: id });

  const [membership, organization, user] = await Promise.all([
    db.memberships.findOne({ _id: membershipId(handoff.organization_id, handoff.user_id) }),
    db.organizations.findOne({ _id: handoff.organization_id, ...VISIBLE }),
    db.users.findOne({ _id: handoff.user_id }, { projection: { email: 1 } }),
  ]);
  // Removed, deleted or suspended in the seconds since the callback: nothing to sign into.
  if (!membership || !organization || !user) throw gone();
  if (organization.suspended) throw new OrganizationSuspendedError();
  // A user with two-factor login gives their code after the provider too, as after a password.
  if (await db.mfaFactors.findOne({ _id: user._id }, { projection: { _id: 1 } })) {
    return startMfaChallenge(db, membership, context, organization._id);
  }
  const session = await openSession(db, membership, context, { ssoOrganizationId: organization._id });
  await recordAudit(
    db,
    { action: "sso.login", organizationId: organization._id, userId: user._id, email: user.email },
    context,
  );
  return {
    ...session,
    userId: user._id.toHexString(),
    role: membership.role,
    organization: toOrganization(organization),
  };
}
