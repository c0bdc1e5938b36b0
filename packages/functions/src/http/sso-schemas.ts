import {
  changeSsoConnectionInputSchema,
  exchangeSsoHandoffInputSchema,
  saveSsoConnectionInputSchema,
  startSsoLoginInputSchema,
  type SsoConnection,
  type SsoConnectionTest,
} from "@org-service/core";
import * as z from "zod/mini";
import { objectIdString } from "./object-id";
import { meta } from "./schema-meta";

/**
 * Single sign-on's request and response shapes (`/org/sso`, `/auth/sso/*`), reusing core's input
 * rules field by field, so the document and the checks cannot differ.
 */

const save = saveSsoConnectionInputSchema.shape;
export const saveSsoConnectionBody = meta(
  z.strictObject({
    issuer: meta(save.issuer, {
      description: "The provider's issuer URL; its `/.well-known/openid-configuration` is fetched and checked.",
      example: "https://login.example-idp.com",
    }),
    client_id: meta(save.clientId, { description: "The client registered at the provider for this organization." }),
    client_secret: meta(save.clientSecret, {
      description:
        "Its secret: required for a new connection; left out, the saved one is kept. Stored sealed, never returned.",
    }),
    scopes: meta(save.scopes, {
      description: 'Requested scopes; must include "openid" (default openid email profile).',
    }),
    email_claim: meta(save.emailClaim, { description: 'The ID token claim with the user\'s email (default "email").' }),
    name_claim: meta(save.nameClaim, { description: 'The ID token claim with the user\'s name (default "name").' }),
  }),
  { id: "SaveSsoConnectionRequest" },
);

export const changeSsoConnectionBody = meta(
  z.strictObject({
    enabled: meta(changeSsoConnectionInputSchema.shape.enabled, {
      description: "Sign-in through the provider on or off.",
    }),
    enforced: meta(changeSsoConnectionInputSchema.shape.enforced, {
      description:
        "Password login refused to the users of the organization's verified domains (owners keep theirs). Needs `enabled`.",
    }),
  }),
  { id: "ChangeSsoConnectionRequest" },
);

const start = startSsoLoginInputSchema.shape;
export const startSsoQuery = z.strictObject({
  organization: meta(start.organization, { description: "The organization's name (give this or `email`)." }),
  email: meta(start.email, { description: "The user's email: its verified domain names the organization." }),
  handoff_challenge: meta(start.handoffChallenge, {
    description:
      "base64url(SHA-256(verifier)) of a random verifier (43–128 characters) the dashboard keeps, to present at `POST /auth/sso/exchange`.",
  }),
  answer: meta(z.optional(z.enum(["redirect", "json"])), {
    description:
      "`redirect` (the default, for a navigation): a 302 to the provider. `json` (for a page's script): 200 with the provider's URL to navigate to, so that a refusal can be shown on the page; the cookie is set either way, and one sign-in is started either way.",
  }),
});

export const ssoStartedSchema = meta(
  z.strictObject({
    location: meta(z.string(), { description: "The provider's authorization URL: navigate the browser there." }),
    expires_in: meta(z.int(), { description: "Seconds the sign-in may take, from now." }),
  }),
  { id: "SsoStarted" },
);

export const ssoCallbackPath = z.strictObject({
  organization_id: meta(objectIdString("an organization id"), {
    description: "The organization whose sign-in this is: each organization has a redirect URI of its own.",
  }),
});

export const ssoCallbackQuery = z.object({
  state: z.optional(z.string()),
  code: z.optional(z.string()),
  error: z.optional(z.string()),
});

export const exchangeSsoBody = meta(
  z.strictObject({
    code: meta(exchangeSsoHandoffInputSchema.shape.code, {
      description: "The `sso` value of the dashboard URL's fragment.",
    }),
    verifier: meta(exchangeSsoHandoffInputSchema.shape.verifier, {
      description: "The verifier whose S256 challenge started the sign-in.",
    }),
  }),
  { id: "ExchangeSsoRequest" },
);

const timestamp = meta(z.iso.datetime(), { example: "2026-01-31T12:00:00.000Z" });
const providerSchema = z.strictObject({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  jwks_uri: z.string(),
  id_token_signing_alg_values_supported: z.optional(z.array(z.string())),
  token_endpoint_auth_methods_supported: z.optional(z.array(z.string())),
  code_challenge_methods_supported: z.optional(z.array(z.string())),
});

export const ssoConnectionSchema = meta(
  z.strictObject({
    issuer: z.string(),
    client_id: z.string(),
    scopes: z.array(z.string()),
    email_claim: z.string(),
    name_claim: z.string(),
    enabled: z.boolean(),
    enforced: z.boolean(),
    redirect_uri: meta(z.string(), { description: "What to register at the provider as the redirect URI." }),
    provider: providerSchema,
    created_at: timestamp,
    updated_at: timestamp,
    tested_at: z.optional(timestamp),
  }),
  { id: "SsoConnection", description: "The organization's OpenID Connect connection, never its client secret." },
);

export const ssoConnectionDeletedSchema = meta(z.strictObject({ deleted: z.literal(true) }), {
  id: "SsoConnectionDeleted",
});

export const ssoConnectionTestSchema = meta(
  z.strictObject({ ok: z.literal(true), provider: providerSchema, signing_keys: z.number(), tested_at: timestamp }),
  { id: "SsoConnectionTest" },
);

export function ssoConnectionView(connection: SsoConnection): z.input<typeof ssoConnectionSchema> {
  return {
    issuer: connection.issuer,
    client_id: connection.clientId,
    scopes: [...connection.scopes],
    email_claim: connection.emailClaim,
    name_claim: connection.nameClaim,
    enabled: connection.enabled,
    enforced: connection.enforced,
    redirect_uri: connection.redirectUri,
    provider: connection.provider,
    created_at: connection.createdAt.toISOString(),
    updated_at: connection.updatedAt.toISOString(),
    ...(connection.testedAt && { tested_at: connection.testedAt.toISOString() }),
  };
}

export function ssoConnectionTestView(test: SsoConnectionTest): z.input<typeof ssoConnectionTestSchema> {
  return { ok: true, provider: test.provider, signing_keys: test.signingKeys, tested_at: test.testedAt.toISOString() };
}
