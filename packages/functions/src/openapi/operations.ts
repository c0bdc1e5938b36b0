import * as z from "zod/mini";
import type { ZodOpenApiOperationObject } from "zod-openapi";
import {
  exportIdPath,
  platformExportPath,
  restoreBody,
  restoreQuery,
  acceptInvitationBody,
  completeMfaBody,
  disableTotpBody,
  refreshBody,
  sessionIdPath,
  switchOrganizationBody,
  verifyTotpBody,
  auditQuery,
  documentBody,
  documentIdPath,
  documentPatchBody,
  documentsQuery,
  indexBody,
  indexNamePath,
  changeRoleBody,
  createOrganizationBody,
  invitationIdPath,
  inviteBody,
  membersQuery,
  invitationsQuery,
  sessionsQuery,
  userIdPath,
  deleteOrganizationBody,
  deleteOrganizationQuery,
  getOrganizationQuery,
  loginBody,
  updateOrganizationBody,
  passwordResetBody,
  passwordResetConfirmBody,
  verifyEmailBody,
  confirmEmailBody,
  createClientBody,
  clientIdPath,
  clientSecretPath,
  platformMoveBody,
  platformOrganizationIdPath,
  suspendBody,
  metadataPatchBody,
  platformOrganizationsQuery,
  eventsQuery,
  webhookCreateBody,
  webhookIdPath,
  webhookMessagesQuery,
  webhookReplayBody,
  webhookResendBody,
  webhookUpdateBody,
} from "../http/request-schemas";
import { policiesPatchBody } from "../http/policy-schemas";
import {
  exportListSchema,
  exportSchema,
  restoredOrganizationSchema,
  loggedOutSchema,
  loginAnswerSchema,
  recoveryCodesSchema,
  sessionListSchema,
  sessionRevokedSchema,
  sessionsRevokedSchema,
  sessionTokensSchema,
  totpDisabledSchema,
  totpEnrollmentSchema,
  auditPageSchema,
  documentDeletedSchema,
  documentPageSchema,
  documentSchema,
  indexDroppedSchema,
  indexListSchema,
  indexSchema,
  usageSchema,
  invitationListSchema,
  issuedInvitationSchema,
  memberSchema,
  membersPageSchema,
  meSchema,
  myOrganizationsSchema,
  removedSchema,
  revokedSchema,
  deleteResultSchema,
  discoverySchema,
  healthSchema,
  jwksSchema,
  loginResultSchema,
  organizationViewSchema,
  organizationPoliciesSchema,
  tenantCollectionSchema,
  updateResultSchema,
  mailRequestAcceptedSchema,
  passwordChangedSchema,
  emailVerifiedSchema,
  verificationSentSchema,
  emailChangedSchema,
  clientListSchema,
  createdClientSchema,
  issuedSecretSchema,
  clientTokenSchema,
  oauthErrorSchema,
  platformMoveSchema,
  platformOrganizationDeletedSchema,
  platformOrganizationDetailSchema,
  platformOrganizationPageSchema,
  suspensionSchema,
  metadataSchema,
  eventPageSchema,
  webhookListSchema,
  createdWebhookSchema,
  webhookSchema,
  webhookSecretSchema,
  webhookDeletedSchema,
  webhookMessagePageSchema,
  webhookMessageSchema,
  webhookReplayedSchema,
} from "../http/response-schemas";
import { meta } from "../http/schema-meta";
import type { routes } from "../routes";
import { alwaysPossible, bodyErrors, errors, problemAnswer, writeConflict } from "./responses";
import { domainOperations } from "./domain-operations";
import { json, jsonBody, optionalToken, protectedRoute, protectedRouteErrors, publicRoute } from "./operation-parts";
import { ssoOperations } from "./sso-operations";

/** `METHOD /path` of every route of the route table, as a type: a route without an operation below does not compile. */
type RouteKeyOf<R> = R extends { readonly method: infer M extends string; readonly path: infer P extends string }
  ? `${M} ${P}`
  : never;
export type RouteKey = RouteKeyOf<(typeof routes)[number]>;

const text = (mediaType: string, description: string) => ({
  [mediaType]: { schema: meta(z.string(), { description }) },
});
/** Pages and static files: revalidated with their ETag, or cached for a year under a versioned URL. */
const cached = { "304": { description: "Not modified (If-None-Match matched the ETag)." } };
const asset = z.object({
  asset: meta(z.string(), { description: "A file name the page refers to.", example: "swagger-ui.css" }),
});
const assetVersion = z.object({
  v: meta(z.optional(z.string()), {
    description: "The file's content hash, as pages link it: then cacheable for a year (immutable).",
  }),
});

/** What may go wrong when an admin changes their own organization (update, delete). */
const ownOrganizationChangeErrors = {
  ...bodyErrors,
  ...errors.unauthenticated,
  ...errors.forbidden,
  ...errors.notFound,
  ...errors.changeConflict,
  ...errors.unavailable,
  ...alwaysPossible,
};

/** What may go wrong on the document API. */
const noDocument = {
  "404": problemAnswer(
    "No document of the caller's organization has this id — one of another organization's answers exactly the same.",
  ),
};
const documentTooLarge = {
  "413": {
    description:
      "The body is larger than 6 × `TENANT_DOCUMENT_MAX_BYTES`, or the document is larger than `TENANT_DOCUMENT_MAX_BYTES` as BSON (a problem; API Gateway's own limit answers `{message}`).",
    content: errors.bodyTooLarge["413"].content,
  },
};
const quotaExceeded = {
  "403": {
    ...errors.scope["403"],
    description:
      "The token lacks the route's scope (`{message}`), or the write would take the organization past a quota: a problem of type `urn:org-service:problem:quota-exceeded` with `quota` and `limit`, and nothing is written.",
  },
};
const uniqueConflict = {
  "409": writeConflict(
    "The result would repeat another document's value of a unique index (`errors` names the field), and nothing is written.",
  ),
};
const documentWriteErrors = {
  ...bodyErrors,
  ...documentTooLarge,
  ...errors.unauthenticated,
  ...quotaExceeded,
  ...errors.unavailable,
  ...alwaysPossible,
};
const indexErrors = { ...errors.unauthenticated, ...errors.scope, ...errors.unavailable, ...alwaysPossible };

/** What may go wrong on a platform route (`/platform/*`): a platform client's token, with the route's scope. */
const platformRouteErrors = {
  "401": {
    ...errors.unauthenticated["401"],
    description:
      "No valid, current platform client's token: API Gateway's authorizer refuses a missing, forged or expired one (`{message}`); the function refuses any other token — a user's, an organization client's — and one of a client revoked since (a problem).",
  },
  "403": {
    ...errors.scope["403"],
    description:
      "The token lacks the route's scope (`platform:read`, `platform:write`): API Gateway's own `{message}`, or a problem when the function checks again. No user's token carries a platform scope.",
  },
  ...errors.unavailable,
  ...alwaysPossible,
};
const noOrganization = {
  "404": problemAnswer("No organization has this id (or it is being created or deleted)."),
};

const archiveFormat =
  "A gzip'd tar: `manifest.json` (format version, the organization, counts, each part's SHA-256 and size, and the documents' order-independent hash), `documents.ndjson` (canonical Extended JSON v2, one document per line: `mongoimport` loads it as it is), `indexes.json`, `organization.json`, `metadata.json`, `members.json` (emails, roles, when they joined: never a credential), `invitations.json` (pending, without tokens), `audit.ndjson` and `events.ndjson`.";
const exportConsistency =
  "Writes go on while it runs, and the manifest's hash is of exactly what the archive holds: on FerretDB over PostgreSQL the archive is the collection as the export began; on MongoDB each document is in it once, as one version it had during the export (one inserted or deleted meanwhile may or may not be). A tenant that moves meanwhile still yields a whole archive.";

/** The export operations, as an organization's owners and as platform clients have them. */
function exportOperations(owner: "org" | "platform") {
  const org = owner === "org";
  const tags = [org ? "Organizations" : "Platform"];
  const id = (name: string) => (org ? name : `platform${name[0]!.toUpperCase()}${name.slice(1)}`);
  const scope = (write: boolean) => (org ? "`org:export` (owners)" : write ? "`platform:write`" : "`platform:read`");
  const routeErrors = org ? protectedRouteErrors : platformRouteErrors;
  const path = org ? undefined : platformOrganizationIdPath;
  const notFound = {
    "404": problemAnswer(
      org
        ? "The organization has no export with this id."
        : "No organization has this id, or it has no export with this id.",
    ),
  };
  return {
    start: {
      operationId: id("startExport"),
      tags,
      summary: org ? "Export the organization's data" : "Export an organization's data",
      description: `${scope(true)}. Starts an export and answers at once (202); \`GET …/exports/{export_id}\` follows its progress and, once \`completed\`, gives a link that downloads the archive for 15 minutes. One export runs per organization at a time. Archives are kept ${7} days. ${org ? "Holds the public metadata only." : "Holds the private metadata too."} ${archiveFormat} ${exportConsistency} Audited; \`export.completed\` is its event.`,
      security: protectedRoute,
      ...(path && { requestParams: { path } }),
      responses: {
        "202": { description: "Started.", content: json(exportSchema) },
        ...(org ? {} : { ...errors.invalid, ...noOrganization }),
        "409": problemAnswer("An export of this organization is running: start another once it has ended."),
        ...routeErrors,
      },
    },
    list: {
      operationId: id("listExports"),
      tags,
      summary: org ? "The organization's exports" : "An organization's exports",
      description: `${scope(false)}. The newest 50, with their state and progress; a single export's answer carries its download link.`,
      security: protectedRoute,
      ...(path && { requestParams: { path } }),
      responses: {
        "200": { description: "The exports, newest first.", content: json(exportListSchema) },
        ...(org ? {} : errors.invalid),
        ...routeErrors,
      },
    },
    get: {
      operationId: id("getExport"),
      tags,
      summary: "An export: its progress, and its download once completed",
      description: `${scope(false)}. \`download_url\` works for 15 minutes from this answer (ask again for a fresh one) while the archive is kept; check the download against \`archive.sha256\`.`,
      security: protectedRoute,
      requestParams: { path: org ? exportIdPath : platformExportPath },
      responses: {
        "200": { description: "The export.", content: json(exportSchema) },
        ...errors.invalid,
        ...notFound,
        ...routeErrors,
      },
    },
  } satisfies Record<string, ZodOpenApiOperationObject>;
}

const orgExports = exportOperations("org");
const platformExports = exportOperations("platform");

/** The webhook operations, as an organization's owners and admins and as platform clients have them. */
function webhookOperations(owner: "org" | "platform") {
  const org = owner === "org";
  const tags = ["Events"];
  const id = (name: string) => (org ? name : `platform${name[0]!.toUpperCase()}${name.slice(1)}`);
  const scope = (write: boolean) =>
    org ? "`webhooks:manage` (owners, admins)" : write ? "`platform:write`" : "`platform:read`";
  const routeErrors = org ? protectedRouteErrors : platformRouteErrors;
  const notFound = {
    "404": problemAnswer(
      org
        ? "The organization has no webhook endpoint with this id."
        : "The platform has no webhook endpoint with this id.",
    ),
  };
  const whose = org ? "the organization's events" : "every organization's events (or those of `organization_ids`)";
  return {
    create: {
      operationId: id("createWebhook"),
      tags,
      summary: "Register a webhook endpoint (its signing secret is shown once)",
      description: `${scope(true)}. It receives ${whose} of \`event_types\`, signed the Standard Webhooks way (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`: HMAC-SHA256 over \`id.timestamp.body\` with the \`whsec_…\` secret), at least once: a 2xx within 10 s is a delivery, anything else is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. An endpoint failing every delivery for WEBHOOK_DISABLE_AFTER_DAYS (5) is disabled, and a \`webhook.disabled\` event says so. Targets are https and public: one that resolves to a loopback, private, link-local or metadata address is refused at every delivery, after DNS; redirects are not followed.`,
      security: protectedRoute,
      requestBody: jsonBody(webhookCreateBody),
      responses: {
        "201": { description: "The endpoint, with its secret.", content: json(createdWebhookSchema) },
        ...bodyErrors,
        "409": problemAnswer(`At most ${org ? 20 : 200} endpoints.`),
        ...routeErrors,
      },
    },
    list: {
      operationId: id("listWebhooks"),
      tags,
      summary: "The webhook endpoints (never their secrets)",
      description: `${scope(false)}.`,
      security: protectedRoute,
      responses: {
        "200": { description: "The endpoints, oldest first.", content: json(webhookListSchema) },
        ...routeErrors,
      },
    },
    update: {
      operationId: id("updateWebhook"),
      tags,
      summary: "Change, disable or enable a webhook endpoint",
      description: `${scope(true)}. Enabling an endpoint disabled for failing starts its count afresh.`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath },
      requestBody: jsonBody(webhookUpdateBody),
      responses: {
        "200": { description: "The endpoint as it is now.", content: json(webhookSchema) },
        ...bodyErrors,
        ...notFound,
        ...routeErrors,
      },
    },
    remove: {
      operationId: id("deleteWebhook"),
      tags,
      summary: "Delete a webhook endpoint, its messages and attempts",
      description: `${scope(true)}.`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath },
      responses: {
        "200": { description: "Deleted.", content: json(webhookDeletedSchema) },
        ...notFound,
        ...routeErrors,
      },
    },
    rotate: {
      operationId: id("rotateWebhookSecret"),
      tags,
      summary: "A new signing secret; the previous one signs alongside for 24 hours",
      description: `${scope(true)}. Every delivery carries one signature per secret that signs, so a receiver moves to the new secret without refusing a delivery.`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath },
      responses: {
        "200": { description: "The new secret, shown this once.", content: json(webhookSecretSchema) },
        ...notFound,
        ...routeErrors,
      },
    },
    messages: {
      operationId: id("listWebhookMessages"),
      tags,
      summary: "The endpoint's messages, newest first, with every attempt",
      description: `${scope(false)}. A message is one event for this endpoint; each attempt records its time, the answer's status and first kilobyte, or why it failed.`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath, query: webhookMessagesQuery },
      responses: {
        "200": { description: "A page of messages.", content: json(webhookMessagePageSchema) },
        ...errors.invalid,
        ...notFound,
        ...routeErrors,
      },
    },
    resend: {
      operationId: id("resendWebhookMessage"),
      tags,
      summary: "Send one event to the endpoint again, now",
      description: `${scope(true)}. The message becomes pending with its attempts starting over, with the same \`webhook-id\`.`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath },
      requestBody: jsonBody(webhookResendBody),
      responses: {
        "202": { description: "Queued.", content: json(webhookMessageSchema) },
        ...bodyErrors,
        "404": problemAnswer("No such endpoint, or it had no message of this event."),
        ...routeErrors,
      },
    },
    replay: {
      operationId: id("replayWebhook"),
      tags,
      summary: "Deliver every event since a time again",
      description: `${scope(true)}. Each event since \`since\` that the endpoint wants now is queued again with its own \`webhook-id\` (10 000 at most per call: \`until\` says where to go on from).`,
      security: protectedRoute,
      requestParams: { path: webhookIdPath },
      requestBody: jsonBody(webhookReplayBody),
      responses: {
        "202": { description: "Queued.", content: json(webhookReplayedSchema) },
        ...bodyErrors,
        ...notFound,
        ...routeErrors,
      },
    },
  } satisfies Record<string, ZodOpenApiOperationObject>;
}

const orgWebhooks = webhookOperations("org");
const platformWebhooks = webhookOperations("platform");
const feedDescription =
  "Oldest first, from `after` (the `next_cursor` of the previous read). A reader that keeps the cursor never misses an event, also one whose change finished after a later one's: numbers have no gaps and become visible in order. At the end, `has_more` is false and `next_cursor` is where to ask again.";

export const operations = {
  "POST /org/create": {
    operationId: "createOrganization",
    tags: ["Organizations"],
    summary: "Create an organization, its admin and its tenant collection",
    security: optionalToken,
    requestBody: jsonBody(createOrganizationBody),
    responses: {
      "201": {
        description: "Created: the organization, with its admin's email.",
        content: json(organizationViewSchema),
      },
      ...bodyErrors,
      "403": problemAnswer(
        "With a user's token: their email is not verified under `REQUIRE_VERIFIED_EMAIL` (`urn:org-service:problem:email-not-verified`), or the token only enrolls a second factor (`urn:org-service:problem:mfa-enrollment-required`).",
      ),
      ...errors.conflict,
      ...errors.noCapacity,
      ...alwaysPossible,
    },
  },
  "GET /org/get": {
    operationId: "getOrganization",
    tags: ["Organizations"],
    summary: "Look an organization up by name",
    description:
      "Public. A valid, current token of this organization's admin adds `admin_email`; any other token is ignored.",
    security: optionalToken,
    requestParams: { query: getOrganizationQuery },
    responses: {
      "200": { description: "The organization.", content: json(organizationViewSchema) },
      ...errors.notFound,
      ...errors.invalid,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /admin/login": {
    operationId: "login",
    tags: ["Authentication"],
    summary: "Exchange a user's email and password for a session: an access token and a refresh token",
    description:
      "Opens a session: a short-lived access token (`expires_in`, 15 minutes by default) and a single-use refresh token for `POST /auth/refresh`. With two-factor login on, the right password answers `{mfa_required, mfa_token, expires_in}` instead, and `POST /auth/mfa` completes the login. A user of several organizations names one; without a name the answer is 409 with `organizations` to choose from.",
    security: publicRoute,
    requestBody: jsonBody(loginBody),
    responses: {
      "200": { description: "The session's tokens, or the code step.", content: json(loginAnswerSchema) },
      ...bodyErrors,
      ...errors.badCredentials,
      "403": problemAnswer(
        "The password is right, but the organization is suspended (`urn:org-service:problem:organization-suspended`), or its minimum password length is now above this password's (`urn:org-service:problem:password-change-required`, with `min_password_length`): choose a new one with `POST /auth/password-reset`. No session is opened.",
      ),
      "409": problemAnswer(
        "The user belongs to several organizations and named none (`organizations` lists them), or their membership changed while logging in.",
      ),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/refresh": {
    operationId: "refreshSession",
    tags: ["Sessions"],
    summary: "Rotate: a refresh token for a new access token and a new refresh token",
    description:
      "Public: the refresh token is the credential. Each refresh token works once; presenting one that was used already (reuse) revokes its whole session, as RFC 9700 recommends — so a client refreshes with a token once, never twice in parallel. Refreshing keeps the session alive for `SESSION_IDLE_DAYS` more, up to its absolute end.",
    security: publicRoute,
    requestBody: jsonBody(refreshBody),
    responses: {
      "200": {
        description: "The next pair of tokens; the presented refresh token is spent.",
        content: json(sessionTokensSchema),
      },
      ...bodyErrors,
      "401": problemAnswer("The refresh token is unknown, used (the session is now revoked), revoked or expired."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/logout": {
    operationId: "logout",
    tags: ["Sessions"],
    summary: "End the current session",
    description: "Its access token is refused from the next request on, its refresh token no longer refreshes.",
    security: protectedRoute,
    responses: {
      "200": { description: "Logged out.", content: json(loggedOutSchema) },
      ...protectedRouteErrors,
    },
  },
  "POST /auth/switch": {
    operationId: "switchOrganization",
    tags: ["Sessions"],
    summary: "Open a session for another of the caller's organizations, without the password",
    description:
      "The current, live session is the credential. Switching is like logging into a second organization: a NEW session (its own `session_id`, access and refresh tokens) for the named organization, with the caller's role there and that role's scopes — and the current session stays as it is, to be used, refreshed or ended on its own (`POST /auth/logout` with its token). Naming the organization the token is for already opens a fresh session too. Answers like a login; for a user with two-factor login on whose current session did not pass it, the answer is the code step (`{mfa_required, mfa_token, expires_in}`), completed at `POST /auth/mfa`, and a session that passed it opens the new one as having passed it. An organization the caller is not a member of answers exactly like one that does not exist (404). Recorded in the target organization's audit log as `session.switched`.",
    security: protectedRoute,
    requestBody: jsonBody(switchOrganizationBody),
    responses: {
      "200": {
        description: "The new session's tokens, as a login answers them, or the code step.",
        content: json(loginAnswerSchema),
      },
      ...bodyErrors,
      "404": problemAnswer(
        "The caller is not a member of an organization of this name — one that does not exist (or is being created or deleted) answers exactly the same.",
      ),
      "409": problemAnswer("The membership changed while the session was opening: try again."),
      ...protectedRouteErrors,
    },
  },
  "POST /oauth/token": {
    operationId: "clientCredentialsToken",
    tags: ["Machine clients"],
    summary: "OAuth 2.0 client credentials grant: a machine client's access token",
    description:
      "RFC 6749 §4.4. The body is `application/x-www-form-urlencoded`: `grant_type=client_credentials` and an optional `scope` (space-separated; a subset of what the client was granted, more is `invalid_scope`). The client authenticates with HTTP Basic (`client_secret_basic`) or with `client_id` and `client_secret` in the body (`client_secret_post`), one or the other. The token is an RS256 JWT from the same issuer and keys as users' tokens, for `JWT_TTL_SECONDS`. Wrong secrets count like wrong passwords, per client and per source address: past the limits even the right one is refused (429, `temporarily_unavailable`, with Retry-After). Errors are RFC 6749 §5.2 objects, not problem documents.",
    security: publicRoute,
    requestBody: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z.object({
            grant_type: z.literal("client_credentials"),
            scope: z.optional(z.string()),
            client_id: z.optional(z.string()),
            client_secret: z.optional(z.string()),
          }),
        },
      },
    },
    responses: {
      "200": { description: "The access token.", content: json(clientTokenSchema) },
      "400": {
        description: "`invalid_request`, `unsupported_grant_type` or `invalid_scope`.",
        content: json(oauthErrorSchema),
      },
      "401": {
        description:
          "`invalid_client`: unknown client, wrong or deleted secret, or a revoked client. With `WWW-Authenticate: Basic`.",
        content: json(oauthErrorSchema),
      },
      "429": {
        description:
          "`temporarily_unavailable`: too many failed attempts for the client or from the address (Retry-After); or API Gateway's throttle (`{message}`).",
        content: json(oauthErrorSchema),
      },
      ...errors.unavailable,
      ...errors.internal,
    },
  },
  "POST /org/clients": {
    operationId: "createClient",
    tags: ["Machine clients"],
    summary: "Create a machine client of the organization (its secret is shown once)",
    description:
      "Owners and admins. The client gets tokens at `POST /oauth/token` that act for this organization alone, with the scopes granted here: some of `data:read`, `data:write`, `data:indexes` — never members, clients or settings. The audit log names the client for what it does.",
    security: protectedRoute,
    requestBody: jsonBody(createClientBody),
    responses: {
      "201": { description: "The client and its first secret.", content: json(createdClientSchema) },
      ...bodyErrors,
      ...protectedRouteErrors,
    },
  },
  "GET /org/clients": {
    operationId: "listClients",
    tags: ["Machine clients"],
    summary: "The organization's machine clients (never their secrets)",
    security: protectedRoute,
    responses: {
      "200": { description: "The clients, oldest first.", content: json(clientListSchema) },
      ...protectedRouteErrors,
    },
  },
  "POST /org/clients/{client_id}/secrets": {
    operationId: "addClientSecret",
    tags: ["Machine clients"],
    summary: "Add a second secret, for rotation (shown once)",
    description: "A client has at most two secrets: deploy the new one, then delete the old one.",
    security: protectedRoute,
    requestParams: { path: clientIdPath },
    responses: {
      "201": { description: "The new secret.", content: json(issuedSecretSchema) },
      ...errors.invalid,
      "404": problemAnswer("The organization has no client with this id."),
      "409": problemAnswer("The client has two secrets already."),
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/clients/{client_id}/secrets/{secret_id}": {
    operationId: "deleteClientSecret",
    tags: ["Machine clients"],
    summary: "Delete a secret: the next token request with it is refused",
    security: protectedRoute,
    requestParams: { path: clientSecretPath },
    responses: {
      "200": { description: "Deleted.", content: json(z.strictObject({ deleted: z.literal(true) })) },
      ...errors.invalid,
      "404": problemAnswer("The organization has no such client, or the client no such secret."),
      "409": problemAnswer("It is the client's only secret: revoke the client instead."),
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/clients/{client_id}": {
    operationId: "revokeClient",
    tags: ["Machine clients"],
    summary: "Revoke a machine client: no more tokens, and those it holds are refused at their next request",
    security: protectedRoute,
    requestParams: { path: clientIdPath },
    responses: {
      "200": { description: "Revoked.", content: json(z.strictObject({ revoked: z.literal(true) })) },
      ...errors.invalid,
      "404": problemAnswer("The organization has no client with this id."),
      ...protectedRouteErrors,
    },
  },
  "POST /auth/password-reset": {
    operationId: "requestPasswordReset",
    tags: ["Account"],
    summary: "Mail a link that sets a new password",
    description:
      "Public. If the address has an account, mails it a link (`APP_URL/#reset=<token>`) that works once, for `PASSWORD_RESET_TTL_MINUTES`; a newer request voids older links. The answer is the same 202 with the same body whether the address has an account or not, and takes at least `MAIL_REQUEST_MIN_MILLISECONDS`, which covers sending, so its timing does not tell either. Requests are counted per address and per source like failed logins (429 with Retry-After past the limits, for known and unknown addresses alike).",
    security: publicRoute,
    requestBody: jsonBody(passwordResetBody),
    responses: {
      "202": {
        description: "Accepted: a link is on its way if the address has an account.",
        content: json(mailRequestAcceptedSchema),
      },
      ...bodyErrors,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/password-reset/confirm": {
    operationId: "confirmPasswordReset",
    tags: ["Account"],
    summary: "Set a new password with a reset link's token",
    description:
      "Public: the token is the credential. Sets the password (the same rules as everywhere), ends every session and refresh token of the user in every organization, mails the address a notice, and records it in each organization's audit log. The address counts as verified where mail reaches only its recipient. Two-factor login is unchanged: the next login still asks for a code. The token works once: of concurrent confirms exactly one succeeds.",
    security: publicRoute,
    requestBody: jsonBody(passwordResetConfirmBody),
    responses: {
      "200": { description: "The password is changed; log in with it.", content: json(passwordChangedSchema) },
      ...bodyErrors,
      "410": problemAnswer("The link is unknown, used, expired or replaced by a newer one (one answer for all)."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/verify-email": {
    operationId: "verifyEmail",
    tags: ["Account"],
    summary: "Verify an email address with a mailed link's token",
    description:
      "Public: the token is the credential. The link is mailed at sign-up and by `POST /me/verify-email`; it works once, for `EMAIL_LINK_TTL_HOURS`, and only while the user still has the address it was mailed to. Sessions go on; their next refresh carries `email_verified: true`.",
    security: publicRoute,
    requestBody: jsonBody(verifyEmailBody),
    responses: {
      "200": { description: "The address is verified.", content: json(emailVerifiedSchema) },
      ...bodyErrors,
      "410": problemAnswer("The link is unknown, used, expired or replaced by a newer one (one answer for all)."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /auth/confirm-email": {
    operationId: "confirmEmailChange",
    tags: ["Account"],
    summary: "Confirm an email change with the link mailed to the new address",
    description:
      "Public: the token is the credential; a bearer token of the same user is optional. Switches the user to the new address, verified, and ends every session of theirs — except the caller's, when the request carries its bearer token: that one continues under a new `session_id` with the tokens in the answer. Addresses stay unique: of two users confirming the same address, one wins and the other gets 409.",
    security: optionalToken,
    requestBody: jsonBody(confirmEmailBody),
    responses: {
      "200": { description: "The email is changed.", content: json(emailChangedSchema) },
      ...bodyErrors,
      "409": problemAnswer("Another user has this address now."),
      "410": problemAnswer("The link is unknown, used, expired or replaced by a newer one (one answer for all)."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /me/verify-email": {
    operationId: "resendEmailVerification",
    tags: ["Account"],
    summary: "Mail a new link that verifies the caller's email",
    description:
      "A new link voids the older one. Counted per address and per source like a password reset request (429 with Retry-After past the limits). Allowed to an unverified user when `REQUIRE_VERIFIED_EMAIL` is on.",
    security: protectedRoute,
    responses: {
      "202": { description: "The link is on its way.", content: json(verificationSentSchema) },
      "409": problemAnswer("The address is verified already."),
      ...protectedRouteErrors,
    },
  },
  "POST /auth/mfa": {
    operationId: "completeMfaLogin",
    tags: ["Two-factor login"],
    summary: "Complete a login with a TOTP code or a recovery code",
    description:
      "The second step when the login answered `mfa_required`. A code works once within its 30-second step; a recovery code once ever. Wrong codes count against the same limits as wrong passwords (429 with Retry-After past them).",
    security: publicRoute,
    requestBody: jsonBody(completeMfaBody),
    responses: {
      "200": { description: "The session's tokens, as a login answers them.", content: json(loginResultSchema) },
      ...bodyErrors,
      "401": problemAnswer("The code is wrong, expired or used, or the `mfa_token` is unknown, used or expired."),
      "409": problemAnswer("The membership changed while logging in: log in again."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "GET /me/sessions": {
    operationId: "listSessions",
    tags: ["Sessions"],
    summary: "The caller's live sessions, in all their organizations",
    description:
      "A page at a time, by last use: a session used while the caller pages moves to the first page (no session shows twice).",
    security: protectedRoute,
    requestParams: { query: sessionsQuery },
    responses: {
      "200": { description: "The sessions, the most recently used first.", content: json(sessionListSchema) },
      ...errors.invalid,
      ...protectedRouteErrors,
    },
  },
  "DELETE /me/sessions": {
    operationId: "revokeOtherSessions",
    tags: ["Sessions"],
    summary: "End every session of the caller but the current one",
    security: protectedRoute,
    responses: {
      "200": { description: "How many sessions ended.", content: json(sessionsRevokedSchema) },
      ...protectedRouteErrors,
    },
  },
  "DELETE /me/sessions/{session_id}": {
    operationId: "revokeSession",
    tags: ["Sessions"],
    summary: "End one of the caller's sessions",
    security: protectedRoute,
    requestParams: { path: sessionIdPath },
    responses: {
      "200": { description: "Ended.", content: json(sessionRevokedSchema) },
      ...errors.invalid,
      "404": problemAnswer("The caller has no session with this id (another user's is just as unknown)."),
      ...protectedRouteErrors,
    },
  },
  "POST /me/mfa/totp": {
    operationId: "enrollTotp",
    tags: ["Two-factor login"],
    summary: "Start enrolling an authenticator app: a TOTP secret and its QR code",
    description:
      "Pending until `POST /me/mfa/totp/verify` checks a code from it (15 minutes); a new enrollment replaces a pending one.",
    security: protectedRoute,
    responses: {
      "200": { description: "The secret, its `otpauth://` URL and the QR code.", content: json(totpEnrollmentSchema) },
      "409": problemAnswer("Two-factor login is enabled already."),
      ...protectedRouteErrors,
    },
  },
  "POST /me/mfa/totp/verify": {
    operationId: "verifyTotp",
    tags: ["Two-factor login"],
    summary: "Enable two-factor login with a code from the pending secret",
    description:
      "Answers ten single-use recovery codes, this once. From now on a login asks for a code after the password.",
    security: protectedRoute,
    requestBody: jsonBody(verifyTotpBody),
    responses: {
      "200": { description: "Enabled; the recovery codes.", content: json(recoveryCodesSchema) },
      ...bodyErrors,
      "401": problemAnswer(
        "The code is wrong, expired or used (a problem; counts against the login limits), or no valid, current bearer token.",
      ),
      ...errors.scope,
      "404": problemAnswer("No enrollment is pending."),
      "409": problemAnswer("Two-factor login is enabled already."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "DELETE /me/mfa/totp": {
    operationId: "disableTotp",
    tags: ["Two-factor login"],
    summary: "Disable two-factor login, proven with a current code or the password",
    security: protectedRoute,
    requestBody: jsonBody(disableTotpBody),
    responses: {
      "200": { description: "Disabled; the recovery codes are void.", content: json(totpDisabledSchema) },
      ...bodyErrors,
      "401": problemAnswer(
        "The code or password is wrong (a problem; counts against the login limits), or no valid, current bearer token.",
      ),
      ...errors.scope,
      "404": problemAnswer("Two-factor login is not enabled."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "PUT /org/update": {
    operationId: "updateOrganization",
    tags: ["Organizations"],
    summary: "Rename the organization and/or change the caller's credentials",
    security: protectedRoute,
    requestBody: jsonBody(updateOrganizationBody),
    responses: {
      "200": {
        description:
          "The organization as it is now; a new token if the password changed. A new `email` does not change the email yet: it answers `pending_email`, and the new address is mailed a link to confirm it (`POST /auth/confirm-email`).",
        content: json(updateResultSchema),
      },
      ...ownOrganizationChangeErrors,
      "401": problemAnswer(
        "`current_password` is wrong (a problem; counts against the login limits), or no valid, current bearer token.",
      ),
    },
  },
  "PATCH /org/policies": {
    operationId: "updateOrganizationPolicies",
    tags: ["Organizations"],
    summary: "Change the organization's security policies: two-factor login, password length, invitation domains",
    description:
      "`org:policies` (owners). Any subset; the others stay. `require_mfa`: a member without a TOTP factor gets, at their next login, invitation accept, organization switch or refresh, tokens that only enroll one (`mfa_enrollment_required`, a narrowed `scope`); a refresh after enrolling gives a full token. `min_password_length`: every password a member sets from now on (accept, reset, change) must be at least that long, the strictest of the user's organizations deciding; a member whose password is shorter is answered `urn:org-service:problem:password-change-required` (403) at their next password login, once the password checked out, and no session opens. `invitation_domains`: invitations go only to addresses at these domains (422 otherwise), and accepting one whose address is no longer allowed is refused (403). Changes of one organization apply one at a time. Audited as `organization.policies_changed` with each changed policy before and after; `GET /org/get` shows them to members.",
    security: protectedRoute,
    requestBody: jsonBody(policiesPatchBody),
    responses: {
      "200": { description: "The organization's policies as they are now.", content: json(organizationPoliciesSchema) },
      ...bodyErrors,
      "404": problemAnswer("The token's organization does not exist (any more)."),
      "409": problemAnswer("Another change of the organization held it for more than 5 s; try again."),
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/delete": {
    operationId: "deleteOrganization",
    tags: ["Organizations"],
    summary: "Delete the organization, its admin and its tenant collection",
    description: "Name the organization in the JSON body or in the query string (both must agree when both are given).",
    security: protectedRoute,
    requestParams: { query: deleteOrganizationQuery },
    requestBody: jsonBody(deleteOrganizationBody, false),
    responses: {
      "200": { description: "Deleted.", content: json(deleteResultSchema) },
      ...ownOrganizationChangeErrors,
    },
  },
  "GET /org/audit": {
    operationId: "listAudit",
    tags: ["Organizations"],
    summary: "The caller's organization's audit log, newest first",
    security: protectedRoute,
    requestParams: { query: auditQuery },
    responses: {
      "200": { description: "A page of entries.", content: json(auditPageSchema) },
      ...errors.invalid,
      ...errors.unauthenticated,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "GET /org/collection": {
    operationId: "getTenantCollection",
    tags: ["Organizations"],
    summary: "The caller's tenant collection: its name and document count",
    security: protectedRoute,
    responses: {
      "200": { description: "The caller's own tenant collection.", content: json(tenantCollectionSchema) },
      ...errors.unauthenticated,
      ...errors.forbidden,
      ...errors.notFound,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "GET /org/usage": {
    operationId: "getUsage",
    tags: ["Organizations"],
    summary: "What the organization uses of its collection, beside its quotas",
    security: protectedRoute,
    responses: {
      "200": { description: "Documents, bytes of data and indexes, and the quotas.", content: json(usageSchema) },
      ...errors.unauthenticated,
      ...errors.scope,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "POST /org/data/documents": {
    operationId: "insertDocument",
    tags: ["Data"],
    summary: "Store a document in the caller's own collection",
    security: protectedRoute,
    requestBody: jsonBody(documentBody),
    responses: {
      "201": { description: "Stored: the document, `_id` as a string.", content: json(documentSchema) },
      ...documentWriteErrors,
      "409": writeConflict(
        "A document with this `_id` exists already, or another has the same value of a unique index (`errors` names the field).",
      ),
    },
  },
  "GET /org/data/documents": {
    operationId: "listDocuments",
    tags: ["Data"],
    summary: "The caller's documents matching a filter, a page at a time",
    description:
      "Keyset pagination by the sort field and `_id`: documents inserted while paging never shift a page or show twice.",
    security: protectedRoute,
    requestParams: { query: documentsQuery },
    responses: {
      "200": { description: "A page of documents.", content: json(documentPageSchema) },
      "422": problemAnswer(
        "The filter is not JSON, uses an operator outside the safe subset (named in `errors`), has too many conditions, or the cursor does not fit.",
      ),
      ...errors.unauthenticated,
      ...errors.scope,
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "GET /org/data/documents/{id}": {
    operationId: "getDocument",
    tags: ["Data"],
    summary: "One of the caller's documents",
    security: protectedRoute,
    requestParams: { path: documentIdPath },
    responses: {
      "200": { description: "The document.", content: json(documentSchema) },
      ...errors.invalid,
      ...noDocument,
      ...protectedRouteErrors,
    },
  },
  "PUT /org/data/documents/{id}": {
    operationId: "replaceDocument",
    tags: ["Data"],
    summary: "Replace one of the caller's documents whole",
    description: "The `_id` stays; a body's `_id`, when given, must be the path's.",
    security: protectedRoute,
    requestParams: { path: documentIdPath },
    requestBody: jsonBody(documentBody),
    responses: {
      "200": { description: "The document as stored now.", content: json(documentSchema) },
      ...documentWriteErrors,
      ...noDocument,
      ...uniqueConflict,
    },
  },
  "PATCH /org/data/documents/{id}": {
    operationId: "patchDocument",
    tags: ["Data"],
    summary: "Change fields of one of the caller's documents (`$set`, `$unset`)",
    security: protectedRoute,
    requestParams: { path: documentIdPath },
    requestBody: jsonBody(documentPatchBody),
    responses: {
      "200": { description: "The document as stored now.", content: json(documentSchema) },
      ...documentWriteErrors,
      ...noDocument,
      ...uniqueConflict,
    },
  },
  "DELETE /org/data/documents/{id}": {
    operationId: "deleteDocument",
    tags: ["Data"],
    summary: "Delete one of the caller's documents",
    security: protectedRoute,
    requestParams: { path: documentIdPath },
    responses: {
      "200": { description: "Deleted.", content: json(documentDeletedSchema) },
      ...errors.invalid,
      ...noDocument,
      "409": writeConflict(),
      ...protectedRouteErrors,
    },
  },
  "GET /org/data/indexes": {
    operationId: "listIndexes",
    tags: ["Data"],
    summary: "The indexes the organization created on its collection",
    security: protectedRoute,
    responses: {
      "200": { description: "The indexes (not the one on `_id`).", content: json(indexListSchema) },
      ...indexErrors,
    },
  },
  "POST /org/data/indexes": {
    operationId: "createIndex",
    tags: ["Data"],
    summary: "Create an index on the caller's collection",
    description:
      "At most `TENANT_MAX_INDEXES` (10 by default) besides `_id`'s. The name is the fields and directions joined by `_`, as MongoDB names them; the same keys and options again answer the existing index.",
    security: protectedRoute,
    requestBody: jsonBody(indexBody),
    responses: {
      "201": { description: "The index.", content: json(indexSchema) },
      ...bodyErrors,
      ...errors.unauthenticated,
      ...quotaExceeded,
      "409": writeConflict(
        "An index on these keys exists with other options, or documents repeat values a unique index would refuse.",
      ),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  "DELETE /org/data/indexes/{name}": {
    operationId: "dropIndex",
    tags: ["Data"],
    summary: "Drop one of the organization's indexes",
    security: protectedRoute,
    requestParams: { path: indexNamePath },
    responses: {
      "200": { description: "Dropped.", content: json(indexDroppedSchema) },
      "404": problemAnswer("The collection has no index of this name."),
      "422": problemAnswer("The name is malformed, or names the index on `_id`, which cannot be dropped."),
      "409": writeConflict(),
      ...indexErrors,
    },
  },
  "GET /me": {
    operationId: "me",
    tags: ["Members"],
    summary: "Who the caller is, and the organizations they belong to",
    security: protectedRoute,
    responses: {
      "200": { description: "The caller and their memberships.", content: json(meSchema) },
      ...protectedRouteErrors,
    },
  },
  "GET /me/organizations": {
    operationId: "listMyOrganizations",
    tags: ["Members"],
    summary: "The caller's organizations, with their role in each and the current one",
    description:
      "Every organization the caller is a member of (not those being created or deleted), sorted by name; `current` marks the token's. Any of them may be switched to with `POST /auth/switch`.",
    security: protectedRoute,
    responses: {
      "200": { description: "The caller's organizations.", content: json(myOrganizationsSchema) },
      ...protectedRouteErrors,
    },
  },
  "GET /org/members": {
    operationId: "listMembers",
    tags: ["Members"],
    summary: "The caller's organization's members, a page at a time",
    security: protectedRoute,
    requestParams: { query: membersQuery },
    responses: {
      "200": { description: "A page of members.", content: json(membersPageSchema) },
      ...errors.invalid,
      ...protectedRouteErrors,
    },
  },
  "PUT /org/members/{user_id}": {
    operationId: "changeMemberRole",
    tags: ["Members"],
    summary: "Change a member's role",
    description:
      "Owners and admins change the roles of admins and members; only an owner grants or takes `owner`. The member's earlier tokens stop working.",
    security: protectedRoute,
    requestParams: { path: userIdPath },
    requestBody: jsonBody(changeRoleBody),
    responses: {
      "200": { description: "The member as they are now.", content: json(memberSchema) },
      ...bodyErrors,
      ...errors.noMember,
      ...errors.lastOwner,
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/members/{user_id}": {
    operationId: "removeMember",
    tags: ["Members"],
    summary: "Remove a member, or leave the organization (your own `user_id`)",
    description:
      "Anyone may leave; removing someone else takes an owner or admin, and an owner for an owner. The last owner can neither leave nor be removed.",
    security: protectedRoute,
    requestParams: { path: userIdPath },
    responses: {
      "200": { description: "Removed.", content: json(removedSchema) },
      ...errors.invalid,
      ...errors.noMember,
      ...errors.lastOwner,
      ...protectedRouteErrors,
    },
  },
  "POST /org/invitations": {
    operationId: "inviteMember",
    tags: ["Members"],
    summary: "Invite someone by email",
    description:
      "The accept link is mailed to the invitee. Where the service sends mail (`MAIL_FROM` for Amazon SES, or `SMTP_URL`), the link goes to that mailbox and nowhere else: the answer holds no token, so that accepting proves the address. Where it sends none (a local run), the answer holds the token and its accept link, once (only the token's hash is stored), for the developer to pass on. A failed mail never fails the invitation (`mail_sent: false`).",
    security: protectedRoute,
    requestBody: jsonBody(inviteBody),
    responses: {
      "201": {
        description: "The invitation; its token and link too where the service sends no mail.",
        content: json(issuedInvitationSchema),
      },
      ...bodyErrors,
      "409": {
        ...errors.conflict["409"],
        description:
          "A member already has this email, it has a pending invitation, or the organization has as many pending invitations as it may.",
      },
      ...protectedRouteErrors,
    },
  },
  "GET /org/invitations": {
    operationId: "listInvitations",
    tags: ["Members"],
    summary: "The pending invitations, newest first, a page at a time (never their tokens)",
    security: protectedRoute,
    requestParams: { query: invitationsQuery },
    responses: {
      "200": { description: "A page of the pending invitations.", content: json(invitationListSchema) },
      ...errors.invalid,
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/invitations/{invitation_id}": {
    operationId: "revokeInvitation",
    tags: ["Members"],
    summary: "Revoke a pending invitation",
    security: protectedRoute,
    requestParams: { path: invitationIdPath },
    responses: {
      "200": { description: "Revoked.", content: json(revokedSchema) },
      ...errors.invalid,
      "404": problemAnswer("No pending invitation of this organization has this id."),
      ...protectedRouteErrors,
    },
  },
  "POST /invitations/accept": {
    operationId: "acceptInvitation",
    tags: ["Members"],
    summary: "Accept an invitation: join the organization and log in",
    description:
      "Public: the token is the credential. A new email chooses a `password`; an existing user sends theirs, or their bearer token. An existing user's password is checked as a login's is: wrong ones count against the same per-email and per-address limits, and past them even the right one answers 429 with Retry-After. Without a password or a bearer token, the answer is the same 422 whether the email has an account or not. Answers like a login.",
    security: optionalToken,
    requestBody: jsonBody(acceptInvitationBody),
    responses: {
      "200": { description: "Joined; a token for the organization.", content: json(loginResultSchema) },
      ...bodyErrors,
      ...errors.badCredentials,
      "403": problemAnswer(
        "The organization is suspended, its invitation domains no longer include the invitation's address (nothing written: the invitation stays pending), or the account has two-factor login and must accept with its bearer token.",
      ),
      "409": problemAnswer("The user is a member already, or the email was signed up meanwhile."),
      "410": problemAnswer("The invitation is unknown, used, revoked or expired (one answer for all)."),
      ...errors.unavailable,
      ...alwaysPossible,
    },
  },
  // Verified email domains and joining by domain.
  ...domainOperations,
  "GET /platform/organizations": {
    operationId: "platformListOrganizations",
    tags: ["Platform"],
    summary: "Every organization, newest first: searched, filtered by placement, a page at a time",
    description:
      "A platform client's token with `platform:read` (`POST /oauth/token`, client credentials). `query` matches a prefix of the name or the slug, case-insensitively, or a member's exact email. Each call is recorded in the audit log as `platform.organizations_listed`, with the client's id.",
    security: protectedRoute,
    requestParams: { query: platformOrganizationsQuery },
    responses: {
      "200": { description: "A page of organizations.", content: json(platformOrganizationPageSchema) },
      ...errors.invalid,
      ...platformRouteErrors,
    },
  },
  "GET /platform/organizations/{organization_id}": {
    operationId: "platformGetOrganization",
    tags: ["Platform"],
    summary: "One organization: its placement, members, usage and owners",
    description:
      "`platform:read`. Recorded in the organization's audit log as `platform.organization_viewed`, with the client's id.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    responses: {
      "200": { description: "The organization.", content: json(platformOrganizationDetailSchema) },
      ...errors.invalid,
      ...noOrganization,
      ...platformRouteErrors,
    },
  },
  "DELETE /platform/organizations/{organization_id}": {
    operationId: "platformDeleteOrganization",
    tags: ["Platform"],
    summary: "Delete an organization, as its owner's delete does",
    description:
      "`platform:write`. The tenant collection, invitations, memberships and their sessions, the users left without any organization, then the record; interrupted, the reconciler finishes it. Recorded as `platform.organization_deleted`, with the client's id.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    responses: {
      "200": { description: "Deleted.", content: json(platformOrganizationDeletedSchema) },
      ...errors.invalid,
      ...noOrganization,
      "409": problemAnswer(
        "Another change of this organization is under way, or its data is moving to another cell (`urn:org-service:problem:tenant-moving`, with Retry-After): try again when the move is done.",
      ),
      ...platformRouteErrors,
    },
  },
  "POST /platform/organizations/{organization_id}/move": {
    operationId: "platformStartMove",
    tags: ["Platform"],
    summary: "Start moving an organization's data to another cell or tier",
    description:
      "`platform:write`. What `pnpm tenants move` starts: writes are fenced (409 tenant-moving) while the documents and indexes are copied and verified, then the placement switches and the source is dropped. The function works on the move for a few seconds and answers where it got to (a small tenant is done by then); the reconciler carries on the rest. Asking again for the same target carries on the move under way. Read its progress with `GET …/move`. Recorded as `platform.move_started`, with the client's id.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    requestBody: jsonBody(platformMoveBody),
    responses: {
      "202": { description: "The move, where it got to.", content: json(platformMoveSchema) },
      ...bodyErrors,
      ...noOrganization,
      "409": problemAnswer(
        "The organization is in that cell and tier already, is moving elsewhere (or a move is being undone), has another change unfinished, or the target already holds a collection of its name.",
      ),
      ...platformRouteErrors,
      "503": {
        ...errors.noCapacity["503"],
        description:
          "The target cell has no room for the organization's namespaces (`urn:org-service:problem:no-capacity`), the database is not reachable, or the request ran out of its time limit (with Retry-After).",
      },
    },
  },
  "PATCH /platform/organizations/{organization_id}/metadata": {
    operationId: "platformPatchMetadata",
    tags: ["Platform"],
    summary: "Merge the operator's metadata of an organization",
    description:
      "`platform:write`. `public_metadata` is read by the organization's members (`GET /org/get`, `GET /me`); `private_metadata` by platform clients only; organizations write neither. Each is merged key by key (a key set to null is deleted), keeps the document API's key rules, and holds at most 8 KiB as BSON once merged (413 past it). Patches of one organization apply one at a time. Audited with the keys changed, never their values.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    requestBody: jsonBody(metadataPatchBody),
    responses: {
      "200": { description: "The metadata as it is now.", content: json(metadataSchema) },
      ...bodyErrors,
      "404": problemAnswer("No organization has this id (or it is being created or deleted)."),
      "409": problemAnswer("Another change of the organization held it for more than 5 s; try again."),
      ...platformRouteErrors,
    },
  },
  "POST /platform/organizations/{organization_id}/suspend": {
    operationId: "platformSuspendOrganization",
    tags: ["Platform"],
    summary: "Suspend an organization: nothing of it is served, nothing is deleted",
    description:
      "`platform:write`. From now on its logins, token refreshes, its clients' token requests, every session's next request, its data, members and invitations answer 403 `urn:org-service:problem:organization-suspended` (a client's token request: `unauthorized_client`). Suspending a suspended organization keeps its first reason. Suspends and reactivates of one organization apply one at a time. Audited with the reason and the client.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    requestBody: jsonBody(suspendBody),
    responses: {
      "200": { description: "Suspended.", content: json(suspensionSchema) },
      ...bodyErrors,
      "404": problemAnswer("No organization has this id (or it is being created or deleted)."),
      "409": problemAnswer("Another change of the organization held it for more than 5 s; try again."),
      ...platformRouteErrors,
    },
  },
  "POST /platform/organizations/{organization_id}/reactivate": {
    operationId: "platformReactivateOrganization",
    tags: ["Platform"],
    summary: "Reactivate a suspended organization: everything served again, as it was",
    description: "`platform:write`. Sessions, refresh tokens, clients, data and invitations work again. Audited.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    responses: {
      "200": { description: "Active.", content: json(suspensionSchema) },
      ...errors.invalid,
      "404": problemAnswer("No organization has this id (or it is being created or deleted)."),
      "409": problemAnswer("Another change of the organization held it for more than 5 s; try again."),
      ...platformRouteErrors,
    },
  },
  "GET /platform/organizations/{organization_id}/move": {
    operationId: "platformGetMove",
    tags: ["Platform"],
    summary: "The organization's move: its progress, or how the last one ended",
    description:
      "`platform:read`. The move under way (its last step and the documents copied so far), or else the last one's end (`done` or `undone`). Recorded as `platform.move_viewed`, with the client's id.",
    security: protectedRoute,
    requestParams: { path: platformOrganizationIdPath },
    responses: {
      "200": { description: "The move.", content: json(platformMoveSchema) },
      ...errors.invalid,
      "404": problemAnswer(
        "No organization has this id (or it is being created or deleted), or it has never been moved.",
      ),
      ...platformRouteErrors,
    },
  },
  "GET /health": {
    operationId: "health",
    tags: ["Operations"],
    summary: "Whether the service and its database answer",
    security: publicRoute,
    responses: {
      "200": { description: "The database answers.", content: json(healthSchema) },
      "503": { description: "The database does not answer.", content: json(healthSchema) },
      ...alwaysPossible,
    },
  },
  "GET /.well-known/openid-configuration": {
    operationId: "openIdConfiguration",
    tags: ["Authentication"],
    summary: "OpenID Connect discovery document",
    security: publicRoute,
    responses: {
      "200": { description: "Issuer and JWKS location.", content: json(discoverySchema) },
      ...alwaysPossible,
    },
  },
  "GET /.well-known/jwks.json": {
    operationId: "jsonWebKeySet",
    tags: ["Authentication"],
    summary: "Public keys that verify the tokens",
    security: publicRoute,
    responses: { "200": { description: "The JSON Web Key Set.", content: json(jwksSchema) }, ...alwaysPossible },
  },
  "GET /openapi.json": {
    operationId: "openApiDocument",
    tags: ["Documentation"],
    summary: "This document (OpenAPI 3.1)",
    security: publicRoute,
    responses: {
      "200": {
        description: "The OpenAPI document.",
        content: { "application/json": { schema: z.looseObject({ openapi: z.string() }) } },
      },
      ...alwaysPossible,
    },
  },
  "GET /docs": {
    operationId: "apiDocs",
    tags: ["Documentation"],
    summary: "Swagger UI on this document",
    security: publicRoute,
    responses: {
      "200": { description: "The page.", content: text("text/html", "HTML") },
      ...cached,
      ...alwaysPossible,
    },
  },
  "GET /docs/{asset}": {
    operationId: "apiDocsAsset",
    tags: ["Documentation"],
    summary: "A file of Swagger UI (self-hosted)",
    security: publicRoute,
    requestParams: { path: asset, query: assetVersion },
    responses: {
      "200": {
        description: "The file (gzip when accepted).",
        content: {
          ...text("text/javascript", "JavaScript"),
          ...text("text/css", "CSS"),
          ...text("text/plain", "Licence notices"),
        },
      },
      ...cached,
      "404": { ...errors.notFound["404"], description: "No such file." },
      ...alwaysPossible,
    },
  },
  "GET /": {
    operationId: "dashboard",
    tags: ["Dashboard"],
    summary:
      "The dashboard: create, log in, look up, rename, change credentials, delete, and watch the tenant collection",
    security: publicRoute,
    responses: {
      "200": { description: "The page.", content: text("text/html", "HTML") },
      ...cached,
      ...alwaysPossible,
    },
  },
  "GET /dashboard/{asset}": {
    operationId: "dashboardAsset",
    tags: ["Dashboard"],
    summary: "A file of the dashboard",
    security: publicRoute,
    requestParams: { path: asset, query: assetVersion },
    responses: {
      "200": {
        description: "The file.",
        content: { ...text("text/javascript", "JavaScript"), ...text("text/css", "CSS") },
      },
      ...cached,
      "404": { ...errors.notFound["404"], description: "No such file." },
      ...alwaysPossible,
    },
  },
  "GET /org/events": {
    operationId: "listOrganizationEvents",
    tags: ["Events"],
    summary: "The organization's events",
    description: `\`events:read\` (owners, admins, clients granted it). ${feedDescription}`,
    security: protectedRoute,
    requestParams: { query: eventsQuery },
    responses: {
      "200": { description: "A page of events.", content: json(eventPageSchema) },
      ...errors.invalid,
      ...protectedRouteErrors,
    },
  },
  "GET /platform/events": {
    operationId: "platformListEvents",
    tags: ["Events"],
    summary: "Every organization's events",
    description: `\`platform:read\`. ${feedDescription}`,
    security: protectedRoute,
    requestParams: { query: eventsQuery },
    responses: {
      "200": { description: "A page of events.", content: json(eventPageSchema) },
      ...errors.invalid,
      ...platformRouteErrors,
    },
  },
  "POST /org/webhooks": orgWebhooks.create,
  "GET /org/webhooks": orgWebhooks.list,
  "PATCH /org/webhooks/{webhook_id}": orgWebhooks.update,
  "DELETE /org/webhooks/{webhook_id}": orgWebhooks.remove,
  "POST /org/webhooks/{webhook_id}/rotate-secret": orgWebhooks.rotate,
  "GET /org/webhooks/{webhook_id}/messages": orgWebhooks.messages,
  "POST /org/webhooks/{webhook_id}/resend": orgWebhooks.resend,
  "POST /org/webhooks/{webhook_id}/replay": orgWebhooks.replay,
  "POST /platform/webhooks": platformWebhooks.create,
  "GET /platform/webhooks": platformWebhooks.list,
  "PATCH /platform/webhooks/{webhook_id}": platformWebhooks.update,
  "DELETE /platform/webhooks/{webhook_id}": platformWebhooks.remove,
  "POST /platform/webhooks/{webhook_id}/rotate-secret": platformWebhooks.rotate,
  "GET /platform/webhooks/{webhook_id}/messages": platformWebhooks.messages,
  "POST /platform/webhooks/{webhook_id}/resend": platformWebhooks.resend,
  "POST /platform/webhooks/{webhook_id}/replay": platformWebhooks.replay,
  "POST /org/exports": orgExports.start,
  "GET /org/exports": orgExports.list,
  "GET /org/exports/{export_id}": orgExports.get,
  "POST /platform/organizations/{organization_id}/exports": platformExports.start,
  "GET /platform/organizations/{organization_id}/exports": platformExports.list,
  "GET /platform/organizations/{organization_id}/exports/{export_id}": platformExports.get,
  "POST /platform/organizations/restore": {
    operationId: "platformRestoreOrganization",
    tags: ["Platform"],
    summary: "Restore an organization from an archive",
    description:
      "`platform:write`. From an archive uploaded as the body (`application/gzip`, at most 4 MiB; `?organization_name=` renames it) or from `{\"export_id\"}`, an export the service keeps. Everything is checked before anything is written — every part's SHA-256, the format version, each document and the documents' hash, the name, the limits, a cell's room. The organization takes its original id when that is free, else a new one; its documents (byte for byte), indexes, metadata and members with their roles come back — the metadata and the original id only from an archive this service signed (`manifest.jws`; `signed` in the answer). A member whose email has an account with a verified address keeps it; the others get a new account and a mail with a link that sets its password. It becomes visible only once its collection's hash equals the manifest's; a restore that stops halfway is undone by the reconciler. Webhooks, clients, sessions and pending invitations are not restored. `organization.restored` is its event. Larger archives: `pnpm tenants restore`.",
    security: protectedRoute,
    requestParams: { query: restoreQuery },
    requestBody: {
      required: true,
      content: {
        ...json(restoreBody),
        "application/gzip": { schema: meta(z.string(), { format: "binary", description: archiveFormat }) },
      },
    },
    responses: {
      "201": { description: "Restored.", content: json(restoredOrganizationSchema) },
      ...platformRouteErrors,
      "400": problemAnswer("The body is not valid JSON, or no archive was sent."),
      "413": {
        ...errors.bodyTooLarge["413"],
        description: `${errors.bodyTooLarge["413"].description} Or the archive is too large to restore within one request (\`urn:org-service:problem:too-large\`): nothing was restored; use \`pnpm tenants restore\`.`,
      },
      "415": problemAnswer("The body is neither `application/json` nor `application/gzip`."),
      "422": problemAnswer(
        "The archive is not one this service wrote, or not as it wrote it (`errors` says what: a part whose hash differs, an unknown format version, malformed members or documents), or the input breaks the schema. Nothing was written.",
      ),
      "404": problemAnswer("No completed export with this `export_id` is kept."),
      "403": {
        ...platformRouteErrors["403"],
        description: `${platformRouteErrors["403"].description} Or the archive holds more than an organization may (\`urn:org-service:problem:quota-exceeded\`): nothing was written.`,
      },
      "409": problemAnswer(
        "An organization of this name (by slug) exists (restore under another `organization_name`), or a member's address has an account whose email is not verified (the restore will not make it a member; `detail` names them).",
      ),
      ...errors.noCapacity,
    },
  },
  ...ssoOperations,
} satisfies Record<RouteKey, ZodOpenApiOperationObject>;
