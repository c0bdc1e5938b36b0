import * as z from "zod/mini";
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { gatewayMessageSchema, problemSchema } from "../http/response-schemas";
import { meta } from "../http/schema-meta";

/**
 * The error answers, each with the problem schema under `application/problem+json`. Where API
 * Gateway itself may answer before any function runs (its authorizer, its throttling, its payload
 * limit), its own `{"message": …}` body under `application/json` is documented too.
 */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

const problemContent = { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } };
const gatewayContent = { "application/json": { schema: gatewayMessageSchema } };

const retryAfter = z.object({
  "retry-after": meta(z.string(), { description: "Seconds to wait before trying again.", example: "5" }),
});

const problem = (
  description: string,
  extra: Omit<ZodOpenApiResponseObject, "description" | "content"> = {},
): ZodOpenApiResponseObject => ({
  description,
  content: problemContent,
  ...extra,
});

/** One problem answer, described. */
export const problemAnswer = (description: string): ZodOpenApiResponseObject => problem(description);

/** A 409 of the document API: `reason`, or the organization's data moving to another cell (writes wait for it). */
export const writeConflict = (reason?: string): ZodOpenApiResponseObject =>
  problem(
    `${reason ? `${reason} Or the` : "The"} organization's data is moving to another cell: writes answer \`urn:org-service:problem:tenant-moving\` with Retry-After until the move is done (reads keep working).`,
    { headers: z.partial(retryAfter) },
  );

export const errors = {
  malformedJson: { "400": problem("The body is not valid JSON.") },
  bodyTooLarge: {
    "413": {
      description:
        "The body is larger than the API accepts (a problem from the function; API Gateway's own limit answers `{message}`).",
      content: { ...problemContent, ...gatewayContent },
    },
  },
  notJson: { "415": problem("The body is not declared as `application/json`.") },
  invalid: {
    "422": problem("The input breaks the schema or names an unknown field; `errors` lists every field by path."),
  },
  badCredentials: { "401": problem("Wrong email or password (the answer never tells which).") },
  unauthenticated: {
    "401": {
      description:
        "No valid, current bearer token: API Gateway's authorizer refuses a missing, forged or expired one (`{message}`); the function refuses one whose session has ended — logout, a revocation, a role change, a removal, a credential change, a delete, or the session's idle or absolute end (a problem).",
      content: { ...problemContent, ...gatewayContent },
      headers: z.object({ "www-authenticate": meta(z.string(), { example: 'Bearer error="invalid_token"' }) }),
    },
  },
  forbidden: {
    "403": {
      description:
        "The caller's role may not do this (a problem), or the token belongs to another organization; API Gateway answers `{message}` when the token lacks the route's scope.",
      content: { ...problemContent, ...gatewayContent },
    },
  },
  scope: {
    "403": {
      description:
        "The caller's role may not do this: API Gateway refuses a token without the route's scope (`{message}`), the function checks the role the database holds now (a problem). With `REQUIRE_VERIFIED_EMAIL` on, a user whose email is not verified gets `urn:org-service:problem:email-not-verified` here on every route but `GET /me`, `POST /auth/logout` and `POST /me/verify-email`. A member whose organization requires two-factor login and who has none holds a token for enrolling one (`mfa_enrollment_required`): API Gateway refuses it on routes outside its narrowed scope (`{message}`), the function with `urn:org-service:problem:mfa-enrollment-required` on every route but `GET /me`, `POST /me/mfa/totp`, `POST /me/mfa/totp/verify`, `POST /me/verify-email`, `GET /me/sessions`, `DELETE /me/sessions`, `DELETE /me/sessions/{session_id}` and `POST /auth/logout`.",
      content: { ...problemContent, ...gatewayContent },
    },
  },
  noMember: { "404": problem("No member of this organization has this `user_id`.") },
  lastOwner: {
    "409": problem(
      "The change would leave the organization without an owner, or another change of its members is under way.",
    ),
  },
  notFound: { "404": problem("No organization has this name (or it is being created or deleted).") },
  conflict: {
    "409": problem("The name (by slug) or the email is taken, or another change of this organization is under way."),
  },
  /** Renames and deletes wait for a move; so do the tenant's writes. */
  changeConflict: {
    "409": problem(
      "The name (by slug) or the email is taken, another change of this organization is under way, or — for a rename or a delete — its data is moving to another cell (`urn:org-service:problem:tenant-moving`, with Retry-After).",
      { headers: z.partial(retryAfter) },
    ),
  },
  throttled: {
    "429": {
      description:
        "Throttled by API Gateway (`{message}`), or, where a password or a code is checked, too many failed attempts (a problem, with Retry-After).",
      content: { ...problemContent, ...gatewayContent },
      headers: retryAfter,
    },
  },
  internal: { "500": problem("An unexpected error; nothing internal is disclosed.") },
  unavailable: {
    "503": problem(
      "The database is not reachable right now (`urn:org-service:problem:unavailable`), or the request did not finish within its time limit (`urn:org-service:problem:timeout`); try again after Retry-After.",
      { headers: retryAfter },
    ),
  },
  noCapacity: {
    "503": problem(
      "The database is not reachable right now or the request ran out of its time limit (both with Retry-After), or every cell has used its namespace budget (`urn:org-service:problem:no-capacity`): nothing was created.",
      { headers: z.partial(retryAfter) },
    ),
  },
} satisfies Record<string, ZodOpenApiResponsesObject>;

/** Every function may fail unexpectedly and every route is throttled. */
export const alwaysPossible = { ...errors.throttled, ...errors.internal };
/** What a JSON body can go wrong with, before any rule of the endpoint. */
export const bodyErrors = { ...errors.malformedJson, ...errors.bodyTooLarge, ...errors.notJson, ...errors.invalid };
