// Types only: lets `.meta()` take OpenAPI fields (override, format, example); nothing of zod-openapi is bundled here.
import type {} from "zod-openapi";
import { z } from "zod";

/**
 * What each endpoint answers, as zod schemas: the OpenAPI document renders them, the view
 * functions (views.ts) are typed by them, and the tests parse real answers with them. Strict
 * objects, so that a field nobody documented (a hash, say) fails those tests.
 */

const objectId = z.string().regex(/^[0-9a-f]{24}$/).meta({ example: "66f1c0ffee0ddba11ca7f00d" });
const timestamp = z.iso.datetime().meta({ example: "2025-01-31T12:00:00.000Z" });

export const organizationViewSchema = z
  .strictObject({
    organization_id: objectId,
    organization_name: z.string().meta({ example: "Acme Corp" }),
    collection_name: z.string().meta({ description: "The organization's own tenant collection.", example: "org_acme_corp" }),
    admin_email: z.string().optional().meta({ description: "Only for the organization's own admin.", example: "admin@acme.example" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Organization" });

const issuedToken = {
  access_token: z.string().meta({ description: "RS256 JWT; send it as `Authorization: Bearer <token>`." }),
  token_type: z.literal("Bearer"),
  expires_in: z.int().positive().meta({ description: "Seconds until the token expires.", example: 3600 }),
};

export const loginResultSchema = z
  .strictObject({
    ...issuedToken,
    admin_id: objectId,
    organization_id: objectId,
    organization_name: z.string(),
  })
  .meta({ id: "LoginResult" });

/** After an update: the organization, plus a fresh token when the credentials changed (the old one is revoked). */
export const updateResultSchema = organizationViewSchema
  .extend({
    access_token: issuedToken.access_token.optional(),
    token_type: issuedToken.token_type.optional(),
    expires_in: issuedToken.expires_in.optional(),
  })
  .meta({ id: "UpdateResult", description: "The organization; with a new token when the credentials changed, which revokes every earlier one." });

export const deleteResultSchema = z
  .strictObject({ deleted: z.literal(true), organization_name: z.string() })
  .meta({ id: "DeleteResult" });

export const tenantCollectionSchema = z
  .strictObject({
    organization_id: objectId,
    organization_name: z.string(),
    collection_name: z.string().meta({ example: "org_acme_corp" }),
    document_count: z.int().nonnegative().meta({ description: "Documents in the tenant collection right now." }),
  })
  .meta({ id: "TenantCollection" });

export const auditPageSchema = z
  .strictObject({
    entries: z.array(
      z.strictObject({
        id: objectId,
        action: z.string().meta({ example: "organization.update" }),
        at: timestamp,
        admin_id: objectId.optional(),
        email: z.string().optional(),
        source_ip: z.string().optional(),
        request_id: z.string().optional(),
        details: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
      }),
    ),
    next_cursor: objectId.optional().meta({ description: "Pass as `before` for the next (older) page; absent on the last page." }),
  })
  .meta({ id: "AuditPage" });

export const healthSchema = z.strictObject({ status: z.enum(["ok", "unavailable"]) }).meta({ id: "Health" });

export const discoverySchema = z
  .strictObject({
    issuer: z.url(),
    jwks_uri: z.url(),
    token_endpoint: z.url(),
    response_types_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    claims_supported: z.array(z.string()),
  })
  .meta({ id: "OpenIdConfiguration", description: "OpenID Connect discovery: where API Gateway's JWT authorizer finds the keys." });

export const jwksSchema = z
  .strictObject({
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
  })
  .meta({ id: "JsonWebKeySet", description: "Public signing keys: the current one first, and the previous one during a rotation." });

/** RFC 9457 problem details, the body of every error this API's functions answer. */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: "A URN naming the kind of problem.", example: "urn:org-service:problem:validation-failed" }),
    title: z.string().meta({ example: "Unprocessable Content" }),
    status: z.int().min(400).max(599).meta({ example: 422 }),
    detail: z.string().meta({ example: "The request is invalid." }),
    errors: z
      .array(z.strictObject({ path: z.string().meta({ example: "email" }), message: z.string().meta({ example: "must be a valid email address" }) }))
      .optional()
      .meta({ description: "One entry per invalid, unknown or conflicting field." }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

/** What API Gateway itself answers when it refuses a request before any function runs (authorizer, throttling, size). */
export const gatewayMessageSchema = z
  .strictObject({ message: z.string().meta({ example: "Unauthorized" }) })
  .meta({ id: "GatewayMessage", description: "API Gateway's own answer, sent before any function runs." });

export type OrganizationView = z.input<typeof organizationViewSchema>;
export type LoginResultView = z.input<typeof loginResultSchema>;
export type UpdateResultView = z.input<typeof updateResultSchema>;
export type DeleteResultView = z.input<typeof deleteResultSchema>;
export type TenantCollectionView = z.input<typeof tenantCollectionSchema>;
export type ProblemView = z.input<typeof problemSchema>;
