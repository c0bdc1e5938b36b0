// Types only: lets `.meta()` take OpenAPI fields (override, format, example); nothing of zod-openapi is bundled here.
import type {} from "zod-openapi";
import { AUDIT_PAGE_MAX, emailSchema, loginInputSchema, organizationNameSchema, passwordSchema } from "@org-service/core";
import { z } from "zod";

/**
 * What each endpoint accepts, as the zod schemas its handler validates with. The OpenAPI document
 * (src/openapi/) is generated from these very objects, so the documentation cannot drift from the
 * validation; and it imports this module rather than the handlers, so the openapi function bundles
 * no handler. `.meta()` only describes: it never changes what a schema accepts.
 *
 * Every object is strict (an unknown field is a 422), which the document shows as
 * `additionalProperties: false`. Rules zod cannot express in JSON Schema (refinements) are
 * spelled out in the descriptions.
 */

const organizationName = organizationNameSchema.meta({
  description:
    "Trimmed, 1–64 characters. Its slug (NFKD, accents dropped, lower-cased, every run outside a-z0-9 → `_`) must be 1–48 characters; names are unique by slug.",
  example: "Acme Corp",
});
const email = emailSchema.meta({ description: "At most 254 characters; stored lower-cased, unique.", format: "email", example: "admin@acme.example" });
const password = passwordSchema.meta({
  description: "8–72 bytes of UTF-8 (bcrypt's limit; never truncated).",
  format: "password",
  example: "correct horse battery",
});

export const createOrganizationBody = z
  .strictObject({ organization_name: organizationName, email, password })
  .meta({ id: "CreateOrganizationRequest" });

export const getOrganizationQuery = z.strictObject({ organization_name: organizationName });

export const loginBody = loginInputSchema.strict().meta({ id: "LoginRequest" });

const NEEDS_A_CHANGE = "give at least one of new_organization_name, email or password";

export const updateOrganizationBody = z
  .strictObject({
    organization_name: organizationName.meta({ description: "The organization to change (its current name)." }),
    new_organization_name: organizationName.optional(),
    email: email.optional(),
    password: password.optional(),
  })
  .refine((body) => body.new_organization_name !== undefined || body.email !== undefined || body.password !== undefined, {
    message: NEEDS_A_CHANGE,
  })
  .meta({
    id: "UpdateOrganizationRequest",
    description: `Rename the organization and/or change its admin's credentials: ${NEEDS_A_CHANGE}. A credential change revokes every earlier token; the answer carries a new one.`,
    // The refinement above, in JSON Schema terms.
    override: { anyOf: [{ required: ["new_organization_name"] }, { required: ["email"] }, { required: ["password"] }] },
  });

const deleteTarget = z.strictObject({ organization_name: organizationName });
export const deleteOrganizationBody = deleteTarget.meta({ id: "DeleteOrganizationRequest" });
/** Some clients cannot send a body with DELETE, so the query may name the organization instead. */
export const deleteOrganizationQuery = deleteTarget.partial();

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional().meta({ description: `Entries per page, 1–${AUDIT_PAGE_MAX} (default 50).` }),
  before: z
    .string()
    .regex(/^[0-9a-f]{24}$/, "must be the next_cursor of a previous page")
    .optional()
    .meta({ description: "The `next_cursor` of the previous page." }),
});
