// zod/mini, like the request schemas: no function that imports this module bundles classic zod.
import { EVENT_TYPES, ROLES } from "@org-service/core";
import * as z from "zod/mini";
import { objectIdString } from "./object-id";
import { meta } from "./schema-meta";

/**
 * What each endpoint answers, as zod schemas: the OpenAPI document renders them, the view
 * functions (views.ts) are typed by them, and the tests parse real answers with them. Strict
 * objects, so that a field nobody documented (a hash, say) fails those tests.
 */

const objectId = meta(objectIdString(), { example: "66f1c0ffee0ddba11ca7f00d" });
const timestamp = meta(z.iso.datetime(), { example: "2025-01-31T12:00:00.000Z" });

/** An organization's security policies (`PATCH /org/policies`), as its members see them. */
export const organizationPoliciesSchema = meta(
  z.strictObject({
    require_mfa: meta(z.boolean(), {
      description:
        "Every member must log in with a second factor: one without gets tokens that only enroll one (`mfa_enrollment_required`).",
    }),
    min_password_length: meta(z.nullable(z.int()), {
      description:
        "The least bytes of UTF-8 (one per ASCII character) a member's new password must have; `null`: the service's own 8.",
      example: 12,
    }),
    invitation_domains: meta(z.array(z.string()), {
      description: "The email domains invitations may go to (lower-case ASCII); empty: any.",
      example: ["acme.example"],
    }),
  }),
  { id: "OrganizationPolicies" },
);

export const organizationViewSchema = meta(
  z.strictObject({
    organization_id: objectId,
    organization_name: meta(z.string(), { example: "Acme Corp" }),
    collection_name: meta(z.string(), {
      description: "The organization's own tenant collection.",
      example: "org_acme_corp",
    }),
    admin_email: meta(z.optional(z.string()), {
      description: "The earliest owner's email; only for the organization's members.",
      example: "admin@acme.example",
    }),
    role: meta(z.optional(z.enum(ROLES)), { description: "The caller's role; only for the organization's members." }),
    placement: meta(
      z.optional(
        z.strictObject({
          cell: meta(z.string(), { example: "default" }),
          tier: meta(z.enum(["pool", "silo"]), {
            description: "pool: the cell's shared tenant database; silo: a database of the organization's own.",
          }),
        }),
      ),
      {
        description: "Where the organization's data lives; only for the organization's members (from `GET /org/get`).",
      },
    ),
    public_metadata: meta(z.optional(z.record(z.string(), z.unknown())), {
      description: "What the platform's operator published to the organization's members; only for them.",
    }),
    policies: meta(z.optional(organizationPoliciesSchema), {
      description: "Its security policies; only for its members (from `GET /org/get`).",
    }),
    created_at: timestamp,
    updated_at: timestamp,
  }),
  { id: "Organization" },
);

const issuedToken = {
  access_token: meta(z.string(), { description: "RS256 JWT; send it as `Authorization: Bearer <token>`." }),
  token_type: z.literal("Bearer"),
  expires_in: meta(z.int().check(z.positive()), { description: "Seconds until the token expires.", example: 900 }),
  refresh_token: meta(z.string(), {
    description:
      "Opaque and single-use: `POST /auth/refresh` exchanges it for the next pair. Presenting it twice revokes the session.",
  }),
  refresh_expires_in: meta(z.int().check(z.nonnegative()), {
    description: "Seconds until the refresh token stops working if unused (the session's idle or absolute end).",
    example: 604800,
  }),
  session_id: meta(objectId, { description: "The session the tokens belong to (`sid` in the access token)." }),
  mfa_enrollment_required: meta(z.optional(z.literal(true)), {
    description:
      "The organization requires two-factor login and the user has none: the access token (claim `mfa_enrollment_required`, a narrowed `scope`) only enrolls one (`POST /me/mfa/totp`, `POST /me/mfa/totp/verify`), reads `GET /me` and `GET /org/get`, and lists, revokes or logs out sessions. After enrolling, `POST /auth/refresh` gives a full token.",
  }),
};

/** The tokens of a session, as a refresh answers them. */
export const sessionTokensSchema = meta(z.strictObject(issuedToken), { id: "SessionTokens" });

export const loginResultSchema = meta(
  z.strictObject({
    ...issuedToken,
    user_id: objectId,
    admin_id: meta(objectId, { description: "The same as `user_id` (the name of earlier versions)." }),
    role: z.enum(ROLES),
    organization_id: objectId,
    organization_name: z.string(),
  }),
  { id: "LoginResult" },
);

/** A login with two-factor login on: the password was right; `POST /auth/mfa` completes it. */
export const mfaRequiredSchema = meta(
  z.strictObject({
    mfa_required: z.literal(true),
    mfa_token: meta(z.string(), { description: "Single-use, for `POST /auth/mfa` with a code." }),
    expires_in: meta(z.int().check(z.positive()), { description: "Seconds the code step waits.", example: 300 }),
  }),
  { id: "MfaRequired" },
);

export const loginAnswerSchema = meta(z.union([loginResultSchema, mfaRequiredSchema]), {
  id: "LoginAnswer",
  description: "The session's tokens, or, with two-factor login on, the code step to complete.",
});

const role = z.enum(ROLES);

export const sessionSchema = meta(
  z.strictObject({
    session_id: objectId,
    organization_id: objectId,
    created_at: timestamp,
    last_used_at: meta(timestamp, { description: "The login or the last refresh." }),
    expires_at: meta(timestamp, { description: "The absolute end (`SESSION_TTL_DAYS` after the login)." }),
    idle_expires_at: meta(timestamp, { description: "The end if no refresh comes first (`SESSION_IDLE_DAYS`)." }),
    source_ip: z.optional(z.string()),
    user_agent: z.optional(z.string()),
    mfa: meta(z.boolean(), { description: "Whether the login passed a second factor." }),
    current: meta(z.boolean(), { description: "The session of this request." }),
  }),
  { id: "Session" },
);

export const sessionListSchema = meta(
  z.strictObject({
    sessions: z.array(sessionSchema),
    next_cursor: meta(z.optional(z.string()), {
      description: "Pass as `cursor` for the next page; absent on the last.",
    }),
  }),
  { id: "SessionList" },
);

export const sessionRevokedSchema = meta(z.strictObject({ revoked: z.literal(true) }), { id: "SessionRevoked" });
export const sessionsRevokedSchema = meta(
  z.strictObject({ revoked: meta(z.int().check(z.nonnegative()), { description: "How many sessions ended." }) }),
  { id: "SessionsRevoked" },
);
export const loggedOutSchema = meta(z.strictObject({ logged_out: z.literal(true) }), { id: "LoggedOut" });

export const totpEnrollmentSchema = meta(
  z.strictObject({
    secret: meta(z.string(), { description: "Base32, to type into an app by hand.", example: "JBSWY3DPEHPK3PXP" }),
    otpauth_url: meta(z.string(), { description: "The `otpauth://totp/…` URI, what the QR code holds." }),
    qr_svg: meta(z.string(), { description: "The QR code, an SVG document." }),
  }),
  { id: "TotpEnrollment", description: "Pending until `POST /me/mfa/totp/verify` checks a code from it." },
);

export const recoveryCodesSchema = meta(
  z.strictObject({
    enabled: z.literal(true),
    recovery_codes: meta(z.array(z.string()), {
      description: "Ten single-use codes for when the app is lost: shown this once, only their hashes are kept.",
    }),
  }),
  { id: "TotpEnabled" },
);

export const totpDisabledSchema = meta(z.strictObject({ disabled: z.literal(true) }), { id: "TotpDisabled" });

export const meSchema = meta(
  z.strictObject({
    user_id: objectId,
    email: z.string(),
    email_verified: meta(z.boolean(), {
      description:
        "Whether the user proved they receive mail at `email`: by accepting an invitation whose link was mailed to them and shown to nobody else. A sign-up, an accepted invitation whose token the inviter was shown (no mail configured) and a changed email are not verified.",
    }),
    memberships: z.array(
      z.strictObject({
        organization_id: objectId,
        organization_name: z.string(),
        role,
        public_metadata: meta(z.record(z.string(), z.unknown()), {
          description: "What the platform's operator published to the organization's members (`{}` when nothing).",
        }),
      }),
    ),
  }),
  { id: "Me" },
);

export const myOrganizationsSchema = meta(
  z.strictObject({
    organizations: z.array(
      z.strictObject({
        organization_id: objectId,
        organization_name: meta(z.string(), { example: "Acme Corp" }),
        slug: meta(z.string(), { description: "The name's slug, unique among organizations.", example: "acme_corp" }),
        role,
        current: meta(z.boolean(), { description: "The organization of the token this request came with." }),
      }),
    ),
  }),
  {
    id: "MyOrganizations",
    description: "The caller's organizations, by name: what `POST /auth/switch` may open a session for.",
  },
);

export const memberSchema = meta(
  z.strictObject({
    user_id: objectId,
    email: z.string(),
    role,
    joined_at: timestamp,
    email_verified: meta(z.optional(z.boolean()), {
      description: "In member lists: whether the member has verified their address.",
    }),
  }),
  { id: "Member" },
);

export const membersPageSchema = meta(
  z.strictObject({
    members: z.array(memberSchema),
    next_cursor: meta(z.optional(objectId), { description: "Pass as `cursor` for the next page; absent on the last." }),
  }),
  { id: "MemberPage" },
);

export const invitationSchema = meta(
  z.strictObject({
    invitation_id: objectId,
    email: z.string(),
    role,
    created_at: timestamp,
    expires_at: timestamp,
    invited_by: meta(objectId, { description: "The inviter's `user_id`." }),
  }),
  { id: "Invitation" },
);

export const issuedInvitationSchema = meta(
  z.strictObject({
    ...invitationSchema.def.shape,
    accept_url: meta(z.optional(z.url()), {
      description:
        "The dashboard's accept page, with the token in its fragment. Only where the service sends no mail (no `MAIL_FROM` or `SMTP_URL`): where it does, the link goes to the invitee's mailbox alone.",
    }),
    token: meta(z.optional(z.string()), {
      description: "Shown once (only its hash is stored), and only where the service sends no mail, like `accept_url`.",
    }),
    mail_sent: meta(z.boolean(), {
      description:
        "Whether the invitation mail went out (never fails the invitation). Where mail is configured and it did not, revoke the invitation and invite again.",
    }),
  }),
  { id: "IssuedInvitation" },
);

export const invitationListSchema = meta(
  z.strictObject({
    invitations: z.array(invitationSchema),
    next_cursor: meta(z.optional(objectId), { description: "Pass as `cursor` for the next page; absent on the last." }),
  }),
  { id: "InvitationList" },
);

export const revokedSchema = meta(z.strictObject({ revoked: z.literal(true) }), { id: "InvitationRevoked" });
export const removedSchema = meta(z.strictObject({ removed: z.literal(true) }), { id: "MemberRemoved" });

/** After an update: the organization, plus fresh tokens when the credentials changed (every other session is revoked). */
/** An email change waiting for the new address to confirm it. */
export const pendingEmailSchema = meta(
  z.strictObject({
    email: meta(z.string(), {
      description: "The new address, which has been mailed a confirmation link.",
      format: "email",
    }),
    expires_at: meta(z.iso.datetime(), { description: "When the link stops working." }),
    mail_sent: meta(z.boolean(), { description: "Whether the mail left; if not, ask again." }),
  }),
  {
    id: "PendingEmailChange",
    description:
      "The email does not change yet: the new address must follow the mailed link (`POST /auth/confirm-email`). Until then login and everything else use the current address, which has been sent a notice.",
  },
);

export const updateResultSchema = meta(
  z.extend(organizationViewSchema, {
    pending_email: z.optional(pendingEmailSchema),
    access_token: z.optional(issuedToken.access_token),
    token_type: z.optional(issuedToken.token_type),
    expires_in: z.optional(issuedToken.expires_in),
    refresh_token: z.optional(issuedToken.refresh_token),
    refresh_expires_in: z.optional(issuedToken.refresh_expires_in),
    session_id: z.optional(issuedToken.session_id),
    mfa_enrollment_required: issuedToken.mfa_enrollment_required,
  }),
  {
    id: "UpdateResult",
    description:
      "The organization; when the credentials changed, which ends every session of the user, the caller's continues under a new `session_id` with these tokens.",
  },
);

export const deleteResultSchema = meta(z.strictObject({ deleted: z.literal(true), organization_name: z.string() }), {
  id: "DeleteResult",
});

export const tenantCollectionSchema = meta(
  z.strictObject({
    organization_id: objectId,
    organization_name: z.string(),
    collection_name: meta(z.string(), { example: "org_acme_corp" }),
    document_count: meta(z.int().check(z.nonnegative()), {
      description: "Documents in the tenant collection right now.",
    }),
  }),
  { id: "TenantCollection" },
);

export const auditPageSchema = meta(
  z.strictObject({
    entries: z.array(
      z.strictObject({
        id: objectId,
        action: meta(z.string(), { example: "organization.update" }),
        at: timestamp,
        admin_id: z.optional(objectId),
        client_id: meta(z.optional(z.string()), { description: "The machine client that acted, when one did." }),
        email: z.optional(z.string()),
        source_ip: z.optional(z.string()),
        request_id: z.optional(z.string()),
        details: z.optional(z.record(z.string(), z.union([z.string(), z.boolean()]))),
      }),
    ),
    next_cursor: meta(z.optional(objectId), {
      description: "Pass as `before` for the next (older) page; absent on the last page.",
    }),
  }),
  { id: "AuditPage" },
);

export const healthSchema = meta(z.strictObject({ status: z.enum(["ok", "unavailable"]) }), { id: "Health" });

export const discoverySchema = meta(
  z.strictObject({
    issuer: z.url(),
    jwks_uri: z.url(),
    token_endpoint: meta(z.url(), { description: "Machine clients' OAuth 2.0 client credentials grant." }),
    grant_types_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    claims_supported: z.array(z.string()),
  }),
  {
    id: "OpenIdConfiguration",
    description: "OpenID Connect discovery: where API Gateway's JWT authorizer finds the keys.",
  },
);

export const jwksSchema = meta(
  z.strictObject({
    keys: z.array(
      z.strictObject({
        kty: z.literal("RSA"),
        n: z.string(),
        e: z.string(),
        kid: z.string(),
        alg: z.literal("RS256"),
        use: z.literal("sig"),
      }),
    ),
  }),
  {
    id: "JsonWebKeySet",
    description: "Public signing keys: the current one first, and the previous one during a rotation.",
  },
);

/** RFC 9457 problem details, the body of every error this API's functions answer. */
export const problemSchema = meta(
  z.object({
    type: meta(z.string(), {
      description: "A URN naming the kind of problem.",
      example: "urn:org-service:problem:validation-failed",
    }),
    title: meta(z.string(), { example: "Unprocessable Content" }),
    status: meta(z.int().check(z.gte(400), z.lte(599)), { example: 422 }),
    detail: meta(z.string(), { example: "The request is invalid." }),
    errors: meta(
      z.optional(
        z.array(
          z.strictObject({
            path: meta(z.string(), { example: "email" }),
            message: meta(z.string(), { example: "must be a valid email address" }),
          }),
        ),
      ),
      { description: "One entry per invalid, unknown or conflicting field." },
    ),
  }),
  { id: "Problem", description: "RFC 9457 problem details." },
);

/** What API Gateway itself answers when it refuses a request before any function runs (authorizer, throttling, size). */
export const gatewayMessageSchema = meta(z.strictObject({ message: meta(z.string(), { example: "Unauthorized" }) }), {
  id: "GatewayMessage",
  description: "API Gateway's own answer, sent before any function runs.",
});

export const documentSchema = meta(z.looseObject({ _id: meta(z.string(), { example: "user:42" }) }), {
  id: "Document",
  description: "A stored document: its fields as stored, `_id` always a string.",
});

export const documentPageSchema = meta(
  z.strictObject({
    documents: z.array(documentSchema),
    next_cursor: meta(z.optional(z.string()), {
      description: "Pass as `cursor` (with the same filter, sort and order) for the next page; absent on the last.",
    }),
  }),
  { id: "DocumentPage" },
);

export const documentDeletedSchema = meta(z.strictObject({ deleted: z.literal(true) }), { id: "DocumentDeleted" });

export const indexSchema = meta(
  z.strictObject({
    name: meta(z.string(), { example: "email_1" }),
    keys: z.record(z.string(), z.union([z.literal(1), z.literal(-1)])),
    unique: z.boolean(),
  }),
  { id: "Index" },
);

export const indexListSchema = meta(z.strictObject({ indexes: z.array(indexSchema) }), {
  id: "IndexList",
  description: "The indexes the organization created (the one on `_id`, which every collection has, is not listed).",
});

export const indexDroppedSchema = meta(z.strictObject({ dropped: z.literal(true) }), { id: "IndexDropped" });

const count = z.int().check(z.nonnegative());

export const usageSchema = meta(
  z.strictObject({
    document_count: count,
    data_bytes: meta(count, {
      description:
        "Bytes of data: the server's collStats `size` where it reports one, else the documents' BSON sizes summed.",
    }),
    index_count: meta(count, { description: "Indexes the organization created (not the one on `_id`)." }),
    quotas: z.strictObject({ max_documents: count, max_data_bytes: count, max_indexes: count }),
  }),
  { id: "Usage" },
);

/** `POST /auth/password-reset`: the same answer whether the address has an account or not. */
export const mailRequestAcceptedSchema = meta(
  z.strictObject({
    message: meta(z.string(), {
      example: "If the address has an account, a link to set a new password is on its way.",
    }),
  }),
  { id: "MailRequestAccepted" },
);

export const passwordChangedSchema = meta(
  z.strictObject({
    password_changed: z.literal(true),
    sessions_ended: meta(z.literal(true), {
      description: "Every session and refresh token of the user, in every organization, has ended.",
    }),
  }),
  { id: "PasswordChanged" },
);

export const emailVerifiedSchema = meta(
  z.strictObject({ email: meta(z.string(), { format: "email" }), email_verified: z.literal(true) }),
  { id: "EmailVerified" },
);

export const verificationSentSchema = meta(
  z.strictObject({
    email: meta(z.string(), { format: "email" }),
    mail_sent: meta(z.boolean(), { description: "Whether the mail left; if not, ask again later." }),
  }),
  { id: "VerificationSent" },
);

export const emailChangedSchema = meta(
  z.extend(emailVerifiedSchema, {
    access_token: z.optional(issuedToken.access_token),
    token_type: z.optional(issuedToken.token_type),
    expires_in: z.optional(issuedToken.expires_in),
    refresh_token: z.optional(issuedToken.refresh_token),
    refresh_expires_in: z.optional(issuedToken.refresh_expires_in),
    session_id: z.optional(issuedToken.session_id),
    mfa_enrollment_required: issuedToken.mfa_enrollment_required,
  }),
  {
    id: "EmailChanged",
    description:
      "The user's email is now the new address, verified. Every session of the user has ended; when the request carried the user's bearer token, that session continues under a new `session_id` with these tokens.",
  },
);

const secretSummary = meta(
  z.strictObject({
    secret_id: z.string(),
    prefix: meta(z.string(), {
      description: "The secret's first characters, to tell secrets apart.",
      example: "cs_Xk3f9a",
    }),
    created_at: timestamp,
    last_used_at: meta(z.optional(timestamp), { description: "When it last got a token." }),
  }),
  { id: "ClientSecretSummary" },
);

export const clientSchema = meta(
  z.strictObject({
    client_id: meta(z.string(), { example: "oc_5f2c1e0a9b8d7c6e5f4a3b2c" }),
    name: z.string(),
    scopes: z.array(z.string()),
    created_at: timestamp,
    secrets: z.array(secretSummary),
  }),
  { id: "Client", description: "A machine client: never a secret, only each secret's id, prefix and last use." },
);

export const clientListSchema = meta(z.strictObject({ clients: z.array(clientSchema) }), { id: "ClientList" });

const issuedSecret = {
  secret_id: z.string(),
  client_secret: meta(z.string(), {
    description: "Shown this once: only its hash is kept. Send it to `POST /oauth/token`.",
    format: "password",
  }),
  prefix: z.string(),
  created_at: timestamp,
};

export const issuedSecretSchema = meta(z.strictObject(issuedSecret), { id: "IssuedClientSecret" });

export const createdClientSchema = meta(z.extend(clientSchema, issuedSecret), {
  id: "CreatedClient",
  description: "The client and its first secret (`client_secret`, shown this once).",
});

export const clientTokenSchema = meta(
  z.strictObject({
    access_token: meta(z.string(), { description: "RS256 JWT, as a user's: `Authorization: Bearer <token>`." }),
    token_type: z.literal("Bearer"),
    expires_in: meta(z.int().check(z.positive()), { example: 900 }),
    scope: meta(z.string(), { description: "The scopes granted, space-separated.", example: "data:read" }),
  }),
  { id: "ClientTokenResponse", description: "RFC 6749 §5.1." },
);

export const oauthErrorSchema = meta(
  z.strictObject({
    error: z.enum([
      "invalid_request",
      "invalid_client",
      "invalid_grant",
      "unsupported_grant_type",
      "invalid_scope",
      "unauthorized_client",
      "temporarily_unavailable",
    ]),
    error_description: z.string(),
  }),
  { id: "OAuthError", description: "RFC 6749 §5.2." },
);

export type ClientView = z.input<typeof clientSchema>;
export type CreatedClientView = z.input<typeof createdClientSchema>;
export type IssuedSecretView = z.input<typeof issuedSecretSchema>;
export type PendingEmailView = z.input<typeof pendingEmailSchema>;
export type MailRequestAcceptedView = z.input<typeof mailRequestAcceptedSchema>;
export type PasswordChangedView = z.input<typeof passwordChangedSchema>;
export type EmailVerifiedView = z.input<typeof emailVerifiedSchema>;
export type VerificationSentView = z.input<typeof verificationSentSchema>;
export type EmailChangedView = z.input<typeof emailChangedSchema>;
export type DocumentView = z.input<typeof documentSchema>;
export type DocumentPageView = z.input<typeof documentPageSchema>;
export type IndexView = z.input<typeof indexSchema>;
export type UsageView = z.input<typeof usageSchema>;
export type OrganizationView = z.input<typeof organizationViewSchema>;
export type OrganizationPoliciesView = z.input<typeof organizationPoliciesSchema>;
export type LoginResultView = z.input<typeof loginResultSchema>;
export type LoginAnswerView = z.input<typeof loginAnswerSchema>;
export type SessionTokensView = z.input<typeof sessionTokensSchema>;
export type SessionView = z.input<typeof sessionSchema>;
export type SessionListView = z.input<typeof sessionListSchema>;
export type TotpEnrollmentView = z.input<typeof totpEnrollmentSchema>;
export type RecoveryCodesView = z.input<typeof recoveryCodesSchema>;
export type UpdateResultView = z.input<typeof updateResultSchema>;
export type DeleteResultView = z.input<typeof deleteResultSchema>;
export type TenantCollectionView = z.input<typeof tenantCollectionSchema>;
export type AuditPageView = z.input<typeof auditPageSchema>;
export type MeView = z.input<typeof meSchema>;
export type MyOrganizationsView = z.input<typeof myOrganizationsSchema>;
export type MemberView = z.input<typeof memberSchema>;
export type MemberPageView = z.input<typeof membersPageSchema>;
export type InvitationView = z.input<typeof invitationSchema>;
export type IssuedInvitationView = z.input<typeof issuedInvitationSchema>;
export type ProblemView = z.input<typeof problemSchema>;

/** The platform API (`/platform/*`). */
const placementSchema = z.strictObject({
  cell: meta(z.string(), { example: "default" }),
  tier: meta(z.enum(["pool", "silo"]), {
    description: "pool: the cell's shared tenant database; silo: a database of the organization's own.",
  }),
});

export const platformOrganizationSchema = meta(
  z.strictObject({
    organization_id: objectId,
    organization_name: meta(z.string(), { example: "Acme Corp" }),
    slug: meta(z.string(), { description: "The name's slug (names are unique by it).", example: "acme_corp" }),
    created_at: timestamp,
    member_count: count,
    placement: meta(placementSchema, { description: "Where its data lives (the source, while a move is under way)." }),
    status: meta(z.enum(["active", "suspended"]), { description: "`suspended` while the operator has it suspended." }),
    suspension: meta(z.optional(z.strictObject({ reason: z.string(), suspended_at: timestamp })), {
      description: "Why and since when, while suspended.",
    }),
    public_metadata: meta(z.record(z.string(), z.unknown()), { description: "Read by its members too." }),
    private_metadata: meta(z.record(z.string(), z.unknown()), { description: "Read by platform clients only." }),
  }),
  { id: "PlatformOrganization" },
);

export const platformOrganizationPageSchema = meta(
  z.strictObject({
    organizations: z.array(platformOrganizationSchema),
    next_cursor: meta(z.optional(objectId), { description: "Pass as `cursor` for the next page; absent on the last." }),
  }),
  { id: "PlatformOrganizationPage" },
);

export const platformOrganizationDetailSchema = meta(
  z.extend(platformOrganizationSchema, {
    usage: usageSchema,
    owners: meta(z.array(z.strictObject({ user_id: objectId, email: z.string() })), {
      description: "Its owners, the earliest first.",
    }),
  }),
  { id: "PlatformOrganizationDetail" },
);

export const platformOrganizationDeletedSchema = meta(
  z.strictObject({ deleted: z.literal(true), organization_id: objectId, organization_name: z.string() }),
  { id: "PlatformOrganizationDeleted" },
);

export const platformMoveSchema = meta(
  z.strictObject({
    organization_id: objectId,
    organization_name: z.string(),
    step: meta(z.enum(["fenced", "indexes-copied", "documents-copied", "switched", "undoing", "done", "undone"]), {
      description:
        "The last step done: `fenced` (writes wait), `indexes-copied`, `documents-copied`, `switched` (the target serves; the source is dropped after the drain period), `undoing`; `done` or `undone` once over.",
    }),
    finished: meta(z.boolean(), { description: "Nothing left to do: `done` or `undone`." }),
    from: placementSchema,
    to: placementSchema,
    copied: meta(z.optional(count), {
      description: "Documents copied so far: while the move is under way, and in the answer that started it.",
    }),
  }),
  { id: "PlatformMove" },
);

export const suspensionSchema = meta(
  z.strictObject({
    organization_id: objectId,
    status: z.enum(["active", "suspended"]),
    reason: z.optional(z.string()),
    suspended_at: z.optional(timestamp),
  }),
  { id: "Suspension" },
);
export const metadataSchema = meta(
  z.strictObject({
    organization_id: objectId,
    public_metadata: z.record(z.string(), z.unknown()),
    private_metadata: z.record(z.string(), z.unknown()),
  }),
  { id: "OrganizationMetadata" },
);
export type SuspensionView = z.input<typeof suspensionSchema>;
export type PlatformOrganizationView = z.input<typeof platformOrganizationSchema>;
export type PlatformOrganizationPageView = z.input<typeof platformOrganizationPageSchema>;
export type PlatformOrganizationDetailView = z.input<typeof platformOrganizationDetailSchema>;
export type PlatformOrganizationDeletedView = z.input<typeof platformOrganizationDeletedSchema>;
export type PlatformMoveView = z.input<typeof platformMoveSchema>;

const eventActor = meta(
  z.union([
    z.strictObject({ type: z.enum(["user", "client", "platform"]), id: z.string() }),
    z.strictObject({ type: z.literal("system") }),
  ]),
  { description: "Who made the change: a user, an organization's client, a platform client, or the service itself." },
);

export const eventSchema = meta(
  z.strictObject({
    id: meta(z.string(), {
      description: "Stable: the same in the feed, every delivery (`webhook-id`) and EventBridge.",
      example: "evt_65f0c2a1b3c4d5e6f7a8b9c0",
    }),
    type: z.enum(EVENT_TYPES),
    organization_id: z.optional(objectId),
    actor: eventActor,
    occurred_at: timestamp,
    data: meta(z.record(z.string(), z.unknown()), { description: "What changed; never a secret, hash or token." }),
  }),
  { id: "Event" },
);

export const eventPageSchema = meta(
  z.strictObject({
    events: z.array(eventSchema),
    next_cursor: meta(z.string(), {
      description: "Where to read next (`after`): always present, also at the feed's end.",
      example: "42",
    }),
    has_more: meta(z.boolean(), {
      description: "Whether more events are there now; false: ask again later with the cursor.",
    }),
  }),
  { id: "EventPage" },
);

const webhookFields = {
  id: meta(z.string(), { example: "we_0123456789abcdef01234567" }),
  url: z.string(),
  event_types: z.array(z.enum(EVENT_TYPES)),
  description: z.optional(z.string()),
  organization_ids: z.optional(z.array(objectId)),
  enabled: z.boolean(),
  disabled_reason: meta(z.optional(z.enum(["by_owner", "failing"])), {
    description: "Why it is disabled: by its owner, or every delivery failed for WEBHOOK_DISABLE_AFTER_DAYS.",
  }),
  created_at: timestamp,
  updated_at: timestamp,
};

export const webhookSchema = meta(z.strictObject(webhookFields), { id: "Webhook" });
export const webhookListSchema = meta(z.strictObject({ webhooks: z.array(webhookSchema) }), { id: "WebhookList" });
const webhookSecret = meta(z.string(), {
  description: "The signing secret (Standard Webhooks `whsec_…`), shown this once.",
  format: "password",
});
export const createdWebhookSchema = meta(z.strictObject({ ...webhookFields, secret: webhookSecret }), {
  id: "CreatedWebhook",
});
export const webhookSecretSchema = meta(z.strictObject({ secret: webhookSecret }), { id: "WebhookSecret" });
export const webhookDeletedSchema = meta(z.strictObject({ deleted: z.literal(true) }), { id: "WebhookDeleted" });

const webhookAttemptSchema = meta(
  z.strictObject({
    number: z.number(),
    at: timestamp,
    state: z.enum(["sending", "succeeded", "failed"]),
    response_status: z.optional(z.number()),
    response_body: meta(z.optional(z.string()), { description: "The first kilobyte of the answer." }),
    error: meta(z.optional(z.string()), { description: "Why it failed without an answer." }),
    duration_ms: z.optional(z.number()),
  }),
  { id: "WebhookAttempt" },
);

export const webhookMessageSchema = meta(
  z.strictObject({
    id: z.string(),
    event_id: z.string(),
    state: z.enum(["pending", "delivered", "failed"]),
    attempts: z.array(webhookAttemptSchema),
    next_attempt_at: z.optional(timestamp),
    created_at: timestamp,
  }),
  { id: "WebhookMessage" },
);

export const webhookMessagePageSchema = meta(
  z.strictObject({ messages: z.array(webhookMessageSchema), next_cursor: z.optional(z.string()) }),
  { id: "WebhookMessagePage" },
);

export const webhookReplayedSchema = meta(
  z.strictObject({
    queued: meta(z.number(), { description: "Events queued for delivery again." }),
    until: meta(z.optional(timestamp), {
      description: "Set when the replay stopped at its limit: replay again from here for the rest.",
    }),
  }),
  { id: "WebhookReplayed" },
);

export type EventPageView = z.input<typeof eventPageSchema>;
export type WebhookView = z.input<typeof webhookSchema>;
export type CreatedWebhookView = z.input<typeof createdWebhookSchema>;
export type WebhookMessagePageView = z.input<typeof webhookMessagePageSchema>;

export const exportSchema = meta(
  z.strictObject({
    id: objectId,
    organization_id: objectId,
    state: meta(z.enum(["running", "completed", "failed", "expired"]), {
      description:
        "`running`; `completed` (its archive kept until `archive.expires_at`); `failed` (`failure` says why: start another); `expired` (the archive is no longer kept).",
    }),
    created_at: timestamp,
    finished_at: z.optional(timestamp),
    documents_exported: count,
    documents_total: meta(count, {
      description: "The collection's estimated size when the export began (0 until its worker has counted it).",
    }),
    private_metadata: meta(z.boolean(), {
      description: "Whether the archive holds the private metadata (a platform client's export) or the public only.",
    }),
    archive: z.optional(
      z.strictObject({
        bytes: count,
        sha256: meta(z.string(), { description: "The archive's SHA-256, hex: check the download against it." }),
        expires_at: timestamp,
        counts: meta(z.record(z.string(), count), {
          description: "What it holds: documents, indexes, members, invitations, audit_entries, events.",
        }),
      }),
    ),
    download_url: meta(z.optional(z.string()), {
      description:
        "Downloads the archive (a gzip'd tar) until `download_expires_at`, 15 minutes from this answer; ask again for a fresh one. Only on a single export's answer.",
    }),
    download_expires_at: z.optional(timestamp),
    failure: z.optional(z.string()),
  }),
  { id: "Export" },
);

export const exportListSchema = meta(z.strictObject({ exports: z.array(exportSchema) }), { id: "ExportList" });

export const restoredOrganizationSchema = meta(
  z.strictObject({
    organization_id: objectId,
    organization_name: z.string(),
    slug: z.string(),
    original_id: meta(objectId, {
      description: "Its id in the archive: the same as `organization_id` when that was free.",
    }),
    documents: count,
    indexes: count,
    signed: meta(z.boolean(), {
      description:
        "Whether the archive is as this service signed it: then its metadata and its original id (when free) were restored. An unsigned or altered archive is restored under a new id, without metadata.",
    }),
    members: z.array(
      z.strictObject({
        email: z.string(),
        role: z.enum(ROLES),
        account: meta(z.enum(["existing", "new"]), {
          description:
            "`new`: the restore made the account, and mailed it a link to set its password; `existing`: an account whose address is verified (an unverified one refuses the restore, 409).",
        }),
      }),
    ),
  }),
  { id: "RestoredOrganization" },
);

export type ExportView = z.input<typeof exportSchema>;
export type RestoredOrganizationView = z.input<typeof restoredOrganizationSchema>;
