import type { ZodOpenApiOperationObject } from "zod-openapi";
import {
  changeSsoConnectionBody,
  exchangeSsoBody,
  saveSsoConnectionBody,
  ssoCallbackPath,
  ssoCallbackQuery,
  ssoConnectionDeletedSchema,
  ssoConnectionSchema,
  ssoConnectionTestSchema,
  ssoStartedSchema,
  startSsoQuery,
} from "../http/sso-schemas";
import { loginAnswerSchema } from "../http/response-schemas";
import { json, protectedRoute, protectedRouteErrors, publicRoute } from "./operation-parts";
import { alwaysPossible, bodyErrors, errors, problemAnswer } from "./responses";

/** Single sign-on's operations (`/org/sso`, `/auth/sso/*`), merged into the document's (operations.ts). */

const noConnection = { "404": problemAnswer("The organization has no single sign-on connection.") };
const TAG = "Single sign-on";
const redirect = (description: string) => ({
  description,
  headers: {
    location: { description: "Where the browser goes.", schema: { type: "string" as const } },
    "set-cookie": {
      description: "The cookie binding the sign-in to this browser.",
      schema: { type: "string" as const },
    },
  },
});

export const ssoOperations = {
  "GET /org/sso": {
    operationId: "getSsoConnection",
    tags: [TAG],
    summary: "The organization's OpenID Connect connection (never its client secret)",
    description:
      "Owners only: whoever chooses the provider chooses who signs in as each user of the organization's domains. `redirect_uri` is what to register at the provider.",
    security: protectedRoute,
    responses: {
      "200": { description: "The connection.", content: json(ssoConnectionSchema) },
      ...noConnection,
      ...protectedRouteErrors,
    },
  },
  "PUT /org/sso": {
    operationId: "saveSsoConnection",
    tags: [TAG],
    summary: "Create or replace the organization's OpenID Connect connection",
    description:
      "Owners only. The issuer's discovery document and key set are fetched and checked first (https and public addresses only, 5 s and 256 KB per request): nothing is saved for an issuer that does not answer as an OpenID provider. The client secret is sealed with the stage's `SSO_ENCRYPTION_KEY` and never returned. A new connection is disabled until `PATCH /org/sso` enables it.",
    security: protectedRoute,
    requestBody: { required: true, content: json(saveSsoConnectionBody) },
    responses: {
      "200": { description: "The saved connection.", content: json(ssoConnectionSchema) },
      ...bodyErrors,
      "422": problemAnswer(
        "The input breaks the schema, or the issuer's discovery or key set failed (`errors` says how): nothing was saved.",
      ),
      ...protectedRouteErrors,
    },
  },
  "PATCH /org/sso": {
    operationId: "changeSsoConnection",
    tags: [TAG],
    summary: "Enable, disable or enforce single sign-on",
    description:
      "Owners only. Enforced, a password login of a user whose email is in one of the organization's verified domains answers 403 `urn:org-service:problem:sso-required`; the organization's owners keep their password (break-glass, audited).",
    security: protectedRoute,
    requestBody: { required: true, content: json(changeSsoConnectionBody) },
    responses: {
      "200": { description: "The connection as changed.", content: json(ssoConnectionSchema) },
      ...bodyErrors,
      ...noConnection,
      "409": problemAnswer("Enforcing needs single sign-on enabled."),
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/sso": {
    operationId: "deleteSsoConnection",
    tags: [TAG],
    summary: "Delete the connection and its sealed secret",
    security: protectedRoute,
    responses: {
      "200": { description: "Deleted.", content: json(ssoConnectionDeletedSchema) },
      ...noConnection,
      ...protectedRouteErrors,
    },
  },
  "POST /org/sso/test": {
    operationId: "testSsoConnection",
    tags: [TAG],
    summary: "Discover the provider again and read its key set",
    security: protectedRoute,
    responses: {
      "200": { description: "What was found; the connection keeps it.", content: json(ssoConnectionTestSchema) },
      ...noConnection,
      "422": problemAnswer("The discovery or the key set failed (`errors` says how)."),
      ...protectedRouteErrors,
    },
  },
  "GET /auth/sso/start": {
    operationId: "startSsoLogin",
    tags: [TAG],
    summary: "Start signing in through an organization's identity provider (a browser navigation, or a page's script)",
    description:
      "Authorization code flow with PKCE, `state` and `nonce`. The organization is named by its slug, or found by the verified domain of `email`. The dashboard makes a random verifier, keeps it, and sends its S256 challenge as `handoff_challenge`.",
    security: publicRoute,
    requestParams: { query: startSsoQuery },
    responses: {
      "200": {
        description:
          "With `answer=json`: where to navigate the browser (the provider's authorization endpoint), and the cookie that binds the sign-in to this browser.",
        headers: {
          "set-cookie": {
            description: "The cookie binding the sign-in to this browser.",
            schema: { type: "string" as const },
          },
        },
        content: json(ssoStartedSchema),
      },
      "302": redirect(
        "To the provider's authorization endpoint, with a cookie that binds the sign-in to this browser.",
      ),
      ...errors.invalid,
      "404": problemAnswer("No enabled single sign-on for this organization or email's domain."),
      "403": problemAnswer("The organization is suspended."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "GET /auth/sso/callback/{organization_id}": {
    operationId: "ssoCallback",
    tags: [TAG],
    summary:
      "Where the identity provider sends the browser back (register this, with the organization's id, as the redirect URI)",
    description:
      "The code is exchanged once, from the browser that started the sign-in, and the ID token checked (issuer, audience, signature from the provider's key set, nonce, expiry). The email it asserts must not be `email_verified: false` and must be in one of the organization's verified domains; a user new to the organization joins it as a `member`. Either way the browser goes to the dashboard: `#sso=<code>` (exchange it at `POST /auth/sso/exchange`) or `#sso_error=<reason>`.",
    security: publicRoute,
    requestParams: { path: ssoCallbackPath, query: ssoCallbackQuery },
    responses: {
      "302": redirect(
        "To the dashboard, with `#sso=<code>` or `#sso_error=<reason>` in the fragment; the cookie is spent.",
      ),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/sso/exchange": {
    operationId: "exchangeSsoLogin",
    tags: [TAG],
    summary: "A completed sign-in's code and verifier for a session's tokens",
    description:
      "Once, within 2 minutes of the callback: the same answer a password login gives — the session's tokens, or for a user with two-factor login the code step (`POST /auth/mfa`).",
    security: publicRoute,
    requestBody: { required: true, content: json(exchangeSsoBody) },
    responses: {
      "200": { description: "The session's tokens, or the code step.", content: json(loginAnswerSchema) },
      ...bodyErrors,
      "410": problemAnswer("The code is unknown, used or expired, or the verifier is not its own."),
      "403": problemAnswer("The organization is suspended."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
} satisfies Record<string, ZodOpenApiOperationObject>;
