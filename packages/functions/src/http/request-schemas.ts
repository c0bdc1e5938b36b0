import {
  atLeastOneOf,
  AUDIT_PAGE_MAX,
  DOCUMENT_ID_PATTERN,
  DOCUMENTS_PAGE_MAX,
  FILTER_OPERATORS,
  MAX_CONDITIONS,
  MAX_DEPTH,
  emailSchema,
  loginInputSchema,
  INVITATIONS_PAGE_MAX,
  MEMBERS_PAGE_MAX,
  SESSIONS_PAGE_MAX,
  PLATFORM_PAGE_MAX,
  organizationNameSchema,
  passwordSchema,
  presentedTokenSchema,
  acceptInputSchema,
  refreshInputSchema,
  completeMfaInputSchema,
  totpCodeSchema,
  recoveryCodeSchema,
  roleSchema,
  ORGANIZATION_CLIENT_SCOPES,
  hasControlCharacter,
  EVENT_TYPES,
  EVENTS_PAGE_MAX,
  isEventType,
  webhookCreateSchema,
  webhookUpdateSchema,
  webhookReplaySchema,
  WEBHOOK_LIST_MAX,
} from "@org-service/core";
// zod/mini, not classic zod: tree-shakable, so each function bundles only the validators it uses.
import * as z from "zod/mini";
import { nextCursorParam, objectIdString } from "./object-id";
import { meta } from "./schema-meta";

/**
 * What each endpoint accepts, as the zod schemas its handler validates with. The OpenAPI document
 * (src/openapi/) is generated from these very objects, so the documentation cannot drift from the
 * validation; and it imports this module rather than the handlers, so the openapi function bundles
 * no handler. `meta()` only describes: it never changes what a schema accepts.
 *
 * Every object is strict (an unknown field is a 422), which the document shows as
 * `additionalProperties: false`. Rules zod cannot express in JSON Schema (refinements) are
 * spelled out in the descriptions.
 */

const organizationName = meta(organizationNameSchema, {
  description:
    "Trimmed, 1–64 characters. Its slug (NFKD, accents dropped, lower-cased, every run outside a-z0-9 → `_`) must be 1–48 characters; names are unique by slug.",
  example: "Acme Corp",
});
const email = meta(emailSchema, {
  description: "At most 254 characters; stored lower-cased, unique.",
  format: "email",
  example: "admin@acme.example",
});
const password = meta(passwordSchema, {
  description:
    "8–72 bytes of UTF-8 (bcrypt's limit; never truncated), without control characters (U+0000–U+001F, U+007F): bcrypt ends its key at a NUL, so a password of NULs would equal a shorter one.",
  format: "password",
  // The refinement, in JSON Schema terms.
  override: { pattern: "^[^\\u0000-\\u001F\\u007F]*$" },
  example: "correct horse battery",
});

export const createOrganizationBody = meta(z.strictObject({ organization_name: organizationName, email, password }), {
  id: "CreateOrganizationRequest",
  description:
    "A new organization and its owner. A signed-in user (bearer token) sends only `organization_name` and owns the new organization.",
});

/** With a user's bearer token: another organization of theirs, by name only. */
export const createOrganizationForUserBody = meta(z.strictObject({ organization_name: organizationName }), {
  id: "CreateOrganizationForUserRequest",
});

export const getOrganizationQuery = z.strictObject({ organization_name: organizationName });

/** Loose on purpose, like core's login input: a wrong credential is a 401, never a 422 that tells which rule it breaks. */
export const loginBody = meta(
  z.strictObject({
    email: loginInputSchema.shape.email,
    password: loginInputSchema.shape.password,
    organization_name: meta(z.optional(organizationName), {
      description: "Which organization to log into; needed when the user belongs to several.",
    }),
  }),
  { id: "LoginRequest" },
);

const CHANGES = ["new_organization_name", "email", "password"] as const;

const updateFields = z.strictObject({
  organization_name: meta(organizationName, { description: "The organization to change (its current name)." }),
  new_organization_name: z.optional(organizationName),
  email: z.optional(email),
  password: z.optional(password),
  current_password: meta(z.optional(z.string().check(z.maxLength(1024))), {
    description:
      "The caller's password as it is: required to change the email or the password (a wrong one is 401 and counts against the login limits).",
  }),
});

export const updateOrganizationBody = meta(updateFields.check(atLeastOneOf<z.output<typeof updateFields>>(CHANGES)), {
  id: "UpdateOrganizationRequest",
  description: `Rename the organization and/or change the caller's credentials: give at least one of ${CHANGES.join(", ")}. Changing the email or the password takes \`current_password\` too. A password change revokes every earlier token; the answer carries a new one.`,
  // The refinement above, in JSON Schema terms.
  override: { anyOf: CHANGES.map((field) => ({ required: [field] })) },
});

const deleteTarget = z.strictObject({ organization_name: organizationName });
export const deleteOrganizationBody = meta(deleteTarget, { id: "DeleteOrganizationRequest" });
/** Some clients cannot send a body with DELETE, so the query may name the organization instead. */
export const deleteOrganizationQuery = z.partial(deleteTarget);

export const auditQuery = z.strictObject({
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(AUDIT_PAGE_MAX))), {
    description: `Entries per page, 1–${AUDIT_PAGE_MAX} (default 50).`,
  }),
  before: nextCursorParam(),
});

export const invitationsQuery = z.strictObject({
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(INVITATIONS_PAGE_MAX))), {
    description: `Invitations per page, 1–${INVITATIONS_PAGE_MAX} (default 50).`,
  }),
  cursor: nextCursorParam("invitations"),
});

export const sessionsQuery = z.strictObject({
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(SESSIONS_PAGE_MAX))), {
    description: `Sessions per page, 1–${SESSIONS_PAGE_MAX} (default 50).`,
  }),
  cursor: meta(
    z.optional(z.string().check(z.regex(/^\d{1,15}_[0-9a-f]{24}$/, "must be the next_cursor of a previous page"))),
    { description: "The `next_cursor` of the previous page of sessions." },
  ),
});

export const membersQuery = z.strictObject({
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MEMBERS_PAGE_MAX))), {
    description: `Members per page, 1–${MEMBERS_PAGE_MAX} (default 50).`,
  }),
  cursor: nextCursorParam("members"),
});

const role = meta(roleSchema, {
  description: "`owner`: everything; `admin`: all but owners and deleting; `member`: read, and their own credentials.",
  example: "member",
});

export const userIdPath = z.strictObject({
  user_id: meta(objectIdString("a user id"), {
    description: "The member's `user_id`.",
  }),
});

export const changeRoleBody = meta(z.strictObject({ role }), { id: "ChangeRoleRequest" });

export const inviteBody = meta(z.strictObject({ email, role }), {
  id: "InvitationRequest",
  description: "Only an owner may invite an `owner`.",
});

export const invitationIdPath = z.strictObject({
  invitation_id: meta(objectIdString("an invitation id"), {
    description: "The invitation's `invitation_id`.",
  }),
});

export const acceptInvitationBody = meta(
  z.strictObject({
    token: meta(acceptInputSchema.shape.token, { description: "The invitation's token (from its accept link)." }),
    password: meta(acceptInputSchema.shape.password, {
      description:
        "A new account's password (8–72 bytes), or an existing user's, unless they send their bearer token instead.",
      format: "password",
    }),
  }),
  { id: "AcceptInvitationRequest" },
);

export const refreshBody = meta(
  z.strictObject({
    refresh_token: meta(refreshInputSchema.shape.refreshToken, {
      description: "The `refresh_token` of the login or of the previous refresh.",
      format: "password",
    }),
  }),
  { id: "RefreshRequest", description: "Single-use: presenting a used refresh token again revokes its session." },
);

/** With the caller's bearer token: another organization of theirs, by name only (no password). */
export const switchOrganizationBody = meta(z.strictObject({ organization_name: organizationName }), {
  id: "SwitchOrganizationRequest",
  description: "The organization to open a session for: one the caller is a member of.",
});

export const sessionIdPath = z.strictObject({
  session_id: meta(objectIdString("a session id"), {
    description: "The session's `session_id` (from `GET /me/sessions`).",
  }),
});

const totpCode = meta(totpCodeSchema, {
  description: "The 6-digit code the authenticator app shows now (each code works once).",
  example: "123456",
});

export const verifyTotpBody = meta(z.strictObject({ code: totpCode }), { id: "VerifyTotpRequest" });

const disableFields = z.strictObject({
  code: z.optional(totpCode),
  password: meta(z.optional(z.string().check(z.maxLength(1024))), {
    description: "The account's password, instead of a code.",
    format: "password",
  }),
});

export const disableTotpBody = meta(
  disableFields.check(
    z.refine(
      (body: z.output<typeof disableFields>) => (body.code === undefined) !== (body.password === undefined),
      "give either code or password",
    ),
  ),
  {
    id: "DisableTotpRequest",
    description: "Prove it is you with a current code or the password: exactly one of the two.",
    override: { oneOf: [{ required: ["code"] }, { required: ["password"] }] },
  },
);

const completeMfaFields = z.strictObject({
  mfa_token: meta(completeMfaInputSchema.shape.mfaToken, {
    description: "The `mfa_token` of the login's answer (single-use, 5 minutes).",
    format: "password",
  }),
  code: z.optional(totpCode),
  recovery_code: meta(z.optional(recoveryCodeSchema), {
    description: "One of the recovery codes shown when two-factor login was enabled (each works once).",
    example: "abcde-fghjk",
  }),
});

export const completeMfaBody = meta(
  completeMfaFields.check(
    z.refine(
      (body: z.output<typeof completeMfaFields>) => (body.code === undefined) !== (body.recovery_code === undefined),
      "give either code or recovery_code",
    ),
  ),
  {
    id: "CompleteMfaRequest",
    description: "The second step of a login: exactly one of `code` and `recovery_code`.",
    override: { oneOf: [{ required: ["code"] }, { required: ["recovery_code"] }] },
  },
);

/**
 * The tenant document API. Documents are any JSON object: core checks their rules (field names,
 * depth, size) itself, so these schemas describe more than they validate.
 */
const documentId = meta(z.string().check(z.regex(DOCUMENT_ID_PATTERN, "is not a document id")), {
  description: "1–128 letters, digits, `_ . : -`.",
  example: "user:42",
});

export const documentIdPath = z.strictObject({ id: meta(documentId, { description: "The document's `_id`." }) });

const documentRules = `Field names may not start with \`$\` or contain \`.\` or NUL (422, with the path); nesting deeper than ${MAX_DEPTH} levels is a 422; a document larger than \`TENANT_DOCUMENT_MAX_BYTES\` as BSON (64 KiB by default) is a 413.`;

export const documentBody = meta(z.looseObject({ _id: z.optional(documentId) }), {
  id: "DocumentInput",
  description: `One JSON object. \`_id\` is optional: without it the service generates one (an ObjectId's hex). ${documentRules}`,
  example: { _id: "user:42", name: "Ada", tags: ["admin"], address: { city: "London" } },
});

export const documentPatchBody = meta(
  z.strictObject({
    $set: meta(z.optional(z.record(z.string(), z.unknown())), {
      description: "Field paths (dots reach into objects) and their new values.",
    }),
    $unset: meta(z.optional(z.record(z.string(), z.unknown())), {
      description: "Field paths to remove (the values are ignored).",
    }),
  }),
  {
    id: "DocumentPatch",
    description: `\`$set\` and \`$unset\` only: any other operator is a 422. \`_id\` cannot change; a path may not be both set and unset. ${documentRules}`,
    example: { $set: { "address.city": "Paris" }, $unset: { tags: "" } },
  },
);

export const documentsQuery = z.strictObject({
  filter: meta(z.optional(z.string().check(z.maxLength(8192))), {
    description: `A JSON filter in a safe subset of MongoDB's: field equality and ${FILTER_OPERATORS.join(" ")}, at most ${MAX_CONDITIONS} conditions; any other operator is a 422 naming it.`,
    example: '{"age":{"$gte":18},"$or":[{"city":"London"},{"city":"Paris"}]}',
  }),
  sort: meta(z.optional(z.string().check(z.minLength(1), z.maxLength(1024))), {
    description: "A field path to sort by (default `_id`); documents with the same value are ordered by `_id`.",
    example: "age",
  }),
  order: meta(z.optional(z.enum(["asc", "desc"])), { description: "Default `asc`." }),
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(DOCUMENTS_PAGE_MAX))), {
    description: `Documents per page, 1–${DOCUMENTS_PAGE_MAX} (default 50).`,
  }),
  cursor: meta(z.optional(z.string().check(z.minLength(1), z.maxLength(4096))), {
    description: "The `next_cursor` of the previous page, with the same filter, sort and order.",
  }),
});

export const indexBody = meta(
  z.strictObject({
    keys: meta(z.record(z.string(), z.union([z.literal(1), z.literal(-1)])), {
      description: "The fields, in order, each 1 (ascending) or -1 (descending); at most 8.",
      example: { email: 1 },
    }),
    unique: meta(z.optional(z.boolean()), { description: "Refuse a second document with the same values (409)." }),
  }),
  { id: "IndexRequest" },
);

export const indexNamePath = z.strictObject({
  name: meta(z.string().check(z.minLength(1), z.maxLength(1024)), {
    description: "The index's `name`, as the list shows it.",
    example: "email_1",
  }),
});

const linkToken = (what: string) =>
  meta(presentedTokenSchema("a token"), {
    format: "password",
    description: `The token of the ${what} link: what follows \`#${what === "password reset" ? "reset" : what === "email verification" ? "verify" : "confirm-email"}=\` in the mailed link.`,
  });

/** Loose like login's email: a malformed address is a 422, and that tells nothing about accounts. */
export const passwordResetBody = meta(z.strictObject({ email }), {
  id: "PasswordResetRequest",
  description: "The address to mail a password reset link to, if it has an account.",
});

export const passwordResetConfirmBody = meta(z.strictObject({ token: linkToken("password reset"), password }), {
  id: "PasswordResetConfirmRequest",
  description: "The mailed link's token and the new password.",
});

export const verifyEmailBody = meta(z.strictObject({ token: linkToken("email verification") }), {
  id: "VerifyEmailRequest",
});

export const confirmEmailBody = meta(z.strictObject({ token: linkToken("email change") }), {
  id: "ConfirmEmailRequest",
});

export const createClientBody = meta(
  z.strictObject({
    name: meta(z.string().check(z.minLength(1), z.maxLength(64)), {
      description: "What the client is, for people: 1–64 characters without control characters.",
      example: "billing-sync",
    }),
    scopes: meta(z.array(z.enum(ORGANIZATION_CLIENT_SCOPES)), {
      description: "Some of the organization's data scopes: what its tokens may do.",
      example: ["data:read"],
    }),
  }),
  { id: "CreateClientRequest" },
);

export const clientIdPath = z.strictObject({
  client_id: meta(z.string().check(z.regex(/^oc_[0-9a-f]{24}$/, "is not a client id")), {
    description: "The client's `client_id`.",
  }),
});

export const clientSecretPath = z.strictObject({
  client_id: clientIdPath.shape.client_id,
  secret_id: meta(z.string().check(z.regex(/^sec_[0-9a-f]{16}$/, "is not a secret id")), {
    description: "The secret's `secret_id`, as the client list shows it.",
  }),
});

/** The platform API (`/platform/*`): a platform client's token, with `platform:read` or `platform:write`. */
const platformTier = meta(z.enum(["pool", "silo"]), {
  description: "pool: the cell's shared tenant database; silo: a database of the organization's own.",
});

export const platformOrganizationsQuery = z.strictObject({
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(PLATFORM_PAGE_MAX))), {
    description: `Organizations per page, 1–${PLATFORM_PAGE_MAX} (default 50).`,
  }),
  cursor: nextCursorParam("organizations"),
  query: meta(
    z.optional(
      z.string().check(
        z.minLength(1),
        z.maxLength(254),
        // Stored text holds none, and the database refuses a NUL: a 422 here rather than a 500 there.
        z.refine((query: string) => !hasControlCharacter(query), "must not contain control characters"),
      ),
    ),
    {
      description:
        "A prefix of the name or of the slug (case-insensitive), or a member's exact email: organizations matching any of them.",
      example: "acme",
    },
  ),
  cell: meta(z.optional(z.string().check(z.minLength(1), z.maxLength(64))), {
    description: "Only organizations placed in this cell.",
    example: "default",
  }),
  tier: meta(z.optional(platformTier), { description: "Only organizations of this tier." }),
  status: meta(z.optional(z.enum(["active", "suspended"])), {
    description: "Only active, or only suspended, organizations.",
  }),
});

export const suspendBody = meta(
  z.strictObject({
    reason: meta(z.string().check(z.minLength(1), z.maxLength(500)), {
      description: "Why: recorded in the audit log and shown in the platform's listing.",
      example: "unpaid invoice 2026-11",
    }),
  }),
  { id: "SuspendRequest" },
);

export const platformOrganizationIdPath = z.strictObject({
  organization_id: meta(objectIdString("an organization id"), {
    description: "The organization's `organization_id`.",
  }),
});

export const platformMoveBody = meta(
  z.strictObject({
    cell: meta(z.string().check(z.minLength(1), z.maxLength(64)), {
      description: "The cell to move the organization's data to (one of `TENANT_CELLS`).",
      example: "cell-b",
    }),
    tier: meta(z.optional(platformTier), { description: "The tier there (default: its tier now)." }),
  }),
  { id: "PlatformMoveRequest" },
);

export const metadataPatchBody = meta(
  z.strictObject({
    public_metadata: meta(z.optional(z.record(z.string(), z.unknown())), {
      description: "Merged key by key into what the organization's members read; a key set to null is deleted.",
      example: { plan: "pro" },
    }),
    private_metadata: meta(z.optional(z.record(z.string(), z.unknown())), {
      description: "Merged key by key into what only platform clients read; a key set to null is deleted.",
      example: { billing_customer: "cus_123" },
    }),
  }),
  {
    id: "MetadataPatch",
    description:
      "Each object keeps the document API's key rules (no `$` at the start of a name, no `.` or NUL, at most 20 levels) and at most 8 KiB as BSON once merged.",
  },
);

export const eventsQuery = z.strictObject({
  after: meta(z.optional(z.string().check(z.regex(/^\d{1,15}$/, "must be the next_cursor of an earlier read"))), {
    description: "The `next_cursor` of the previous read; absent: from the first event.",
  }),
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(EVENTS_PAGE_MAX))), {
    description: `Events per page, 1–${EVENTS_PAGE_MAX} (default 50).`,
  }),
  types: meta(
    z.optional(
      z
        .string()
        .check(
          z.refine(
            (value) => value.split(",").every((type) => isEventType(type.trim())),
            "must be event types, comma-separated",
          ),
        ),
    ),
    {
      description: `Only these types, comma-separated (the cursor still moves past the others). One of: ${EVENT_TYPES.join(", ")}.`,
      example: "member.added,member.removed",
    },
  ),
});

export const webhookIdPath = z.strictObject({
  webhook_id: meta(z.string().check(z.regex(/^we_[0-9a-f]{24}$/, "is not a webhook id")), {
    description: "The endpoint's `id`.",
  }),
});

export const webhookCreateBody = meta(webhookCreateSchema, {
  id: "WebhookCreate",
  description:
    "`url`: https (http and private addresses only where WEBHOOK_ALLOW_PRIVATE_TARGETS is set); `event_types`: what it receives; `organization_ids`: platform endpoints only, the organizations it receives (absent: all).",
  example: { url: "https://hooks.example.com/org-service", event_types: ["member.added", "member.removed"] },
});

export const webhookUpdateBody = meta(webhookUpdateSchema, {
  id: "WebhookUpdate",
  description: "Any of the fields to change; `enabled: false` disables the endpoint, `true` enables it again.",
  example: { event_types: ["member.added"], enabled: true },
});

export const webhookReplayBody = meta(webhookReplaySchema, {
  id: "WebhookReplay",
  example: { since: "2026-12-07T00:00:00Z" },
});

export const webhookResendBody = meta(
  z.strictObject({
    event_id: meta(z.string().check(z.regex(/^evt_[0-9a-f]{24}$/, "is not an event id")), {
      description: "The event to send again (a message of it to this endpoint must exist).",
    }),
  }),
  { id: "WebhookResend" },
);

export const webhookMessagesQuery = z.strictObject({
  state: meta(z.optional(z.enum(["pending", "delivered", "failed"])), { description: "Only messages in this state." }),
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(WEBHOOK_LIST_MAX))), {
    description: `Messages per page, 1–${WEBHOOK_LIST_MAX} (default 50).`,
  }),
  before: meta(
    z.optional(z.string().check(z.regex(/^\d{1,15}_[\w:]{1,200}$/, "must be the next_cursor of a previous page"))),
    {
      description: "The `next_cursor` of the previous page.",
    },
  ),
});

const exportId = meta(objectIdString("an export id"), {
  description: "The export's `id`.",
});

export const exportIdPath = z.strictObject({ export_id: exportId });

export const platformExportPath = z.strictObject({
  organization_id: platformOrganizationIdPath.shape.organization_id,
  export_id: exportId,
});

const restoredName = meta(z.optional(organizationName), {
  description: "The restored organization's name (default: the archive's). Needed when that name is taken.",
});

export const restoreBody = meta(
  z.strictObject({
    export_id: meta(exportId, { description: "A completed export the service still keeps (7 days)." }),
    organization_name: restoredName,
  }),
  { id: "RestoreRequest" },
);

export const restoreQuery = z.strictObject({ organization_name: restoredName });
