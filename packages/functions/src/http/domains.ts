// zod/mini, like the other request and response schemas: no function that imports this bundles classic zod.
import {
  domainSchema,
  JOIN_REQUEST_STATES,
  JOIN_REQUESTS_PAGE_MAX,
  joinModeSchema,
  MAX_DOMAIN_CLAIMS,
  type DomainClaim,
  type JoinableOrganization,
  type JoinedMembership,
  type JoinRequest,
  type JoinRequestPage,
} from "@org-service/core";
import * as z from "zod/mini";
import { nextCursorParam, objectIdString } from "./object-id";
import { meta } from "./schema-meta";

/**
 * Verified email domains and joining by domain (core's domains/): what the routes under
 * `/org/domains`, `/org/join-requests` and `/me/joinable-organizations` accept and answer, and the
 * views that turn core's results into those answers. Kept together, apart from the shared schema
 * modules: the OpenAPI document imports this module (never the handlers), and so do the handlers.
 */

const objectId = (what: string) => meta(objectIdString(what), { example: "66f1c0ffee0ddba11ca7f00d" });
const timestamp = meta(z.iso.datetime(), { example: "2025-01-31T12:00:00.000Z" });
const domainText =
  "Lower-case ASCII (a name in another script is stored as IDNA punycode), two labels or more, at most 227 characters (so that its verification record's name fits DNS's 253); not an IP address, and not a public suffix (`com`, `co.uk`, `github.io`: the Public Suffix List, both sections).";

// --- requests ------------------------------------------------------------------------------------

export const claimDomainBody = meta(
  z.strictObject({ domain: meta(domainSchema, { description: domainText, example: "acme.example" }) }),
  { id: "ClaimDomainRequest" },
);

const joinMode = meta(joinModeSchema, {
  description:
    "What the verified domain lets a user whose email in it is verified do: nothing (`off`), join as a `member` (`auto-join`), or ask to, for an owner or admin to approve (`suggest`).",
  example: "auto-join",
});

export const joinModeBody = meta(z.strictObject({ join_mode: joinMode }), { id: "DomainJoinModeRequest" });

/** The domain in the path: checked and normalized by core (a malformed one is a 422), so any spelling of a claim finds it. */
export const domainPath = z.strictObject({
  domain: meta(z.string().check(z.minLength(1), z.maxLength(1024)), {
    description: "A claimed domain, as claimed (any case; a name in another script or its punycode).",
    example: "acme.example",
  }),
});

export const joinRequestIdPath = z.strictObject({
  request_id: meta(objectId("a join request id"), {
    description: "The request's `request_id`: the requester's `user_id` (one request per user and organization).",
  }),
});

export const joinOrganizationPath = z.strictObject({
  organization_id: meta(objectId("an organization id"), {
    description: "An `organization_id` from `GET /me/joinable-organizations`.",
  }),
});

export const joinRequestsQuery = z.strictObject({
  state: meta(z.optional(z.enum(JOIN_REQUEST_STATES)), { description: "Which requests (default `pending`)." }),
  limit: meta(z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(JOIN_REQUESTS_PAGE_MAX))), {
    description: `Requests per page, 1–${JOIN_REQUESTS_PAGE_MAX} (default 50).`,
  }),
  cursor: nextCursorParam(),
});

// --- answers -------------------------------------------------------------------------------------

export const domainClaimSchema = meta(
  z.strictObject({
    domain: meta(z.string(), { description: domainText, example: "acme.example" }),
    state: meta(z.enum(["pending", "verified"]), {
      description:
        "`verified`: the organization holds the domain (no other organization can verify it meanwhile); `pending` until then, and again once the record has been missing at three daily re-checks in a row.",
    }),
    record: meta(
      z.strictObject({
        type: z.literal("TXT"),
        name: meta(z.string(), { example: "_org-service-verification.acme.example" }),
        value: meta(z.string(), { example: "org-service-verification=3x4mpl3T0k3n…" }),
      }),
      {
        description:
          "The DNS record to publish, then keep: a TXT record of this name and value (other TXT records there do no harm). The value is this claim's own; it is no secret.",
      },
    ),
    join_mode: joinMode,
    created_at: timestamp,
    verified_at: meta(z.optional(timestamp), { description: "Since when the organization holds it (verified only)." }),
    last_checked_at: meta(z.optional(timestamp), {
      description: "The last lookup of the record: a verification, or the daily re-check.",
    }),
    check_failures: meta(z.int(), {
      description:
        "Re-checks in a row that found no record (DNS failing to answer counts for none); at 3 the domain is unverified.",
    }),
  }),
  { id: "DomainClaim" },
);

export const domainListSchema = meta(z.strictObject({ domains: z.array(domainClaimSchema) }), {
  id: "DomainClaimList",
  description: `The organization's claims, by domain (at most ${MAX_DOMAIN_CLAIMS}).`,
});

export const domainReleasedSchema = meta(
  z.strictObject({ released: z.literal(true), domain: meta(z.string(), { example: "acme.example" }) }),
  { id: "DomainReleased" },
);

export const joinableOrganizationsSchema = meta(
  z.strictObject({
    organizations: z.array(
      z.strictObject({
        organization_id: objectId("an organization id"),
        organization_name: meta(z.string(), { example: "Acme Corp" }),
        join_mode: meta(z.enum(["auto-join", "suggest"]), {
          description:
            "`auto-join`: joining makes the caller a member; `suggest`: it asks, for an owner or admin to decide.",
        }),
        domain: meta(z.string(), {
          description: "The verified domain: the caller's email's.",
          example: "acme.example",
        }),
        request_state: meta(z.optional(z.enum(JOIN_REQUEST_STATES)), {
          description: "In `suggest` mode, the caller's request once made: `declined` is final.",
        }),
      }),
    ),
  }),
  { id: "JoinableOrganizations" },
);

export const joinedMembershipSchema = meta(
  z.strictObject({
    organization_id: objectId("an organization id"),
    organization_name: meta(z.string(), { example: "Acme Corp" }),
    user_id: objectId("a user id"),
    role: z.literal("member"),
    joined_at: timestamp,
  }),
  {
    id: "JoinedMembership",
    description: "The new membership: `POST /auth/switch` with `organization_name` opens a session in it.",
  },
);

export const joinRequestSchema = meta(
  z.strictObject({
    request_id: meta(objectId("a join request id"), { description: "The requester's `user_id`." }),
    organization_id: objectId("an organization id"),
    user_id: objectId("a user id"),
    email: meta(z.string(), { description: "The requester's email when they asked.", example: "ana@acme.example" }),
    domain: meta(z.string(), { example: "acme.example" }),
    state: z.enum(JOIN_REQUEST_STATES),
    requested_at: timestamp,
    decided_at: meta(z.optional(timestamp), { description: "When it was approved or declined." }),
  }),
  { id: "JoinRequest" },
);

export const joinRequestPageSchema = meta(
  z.strictObject({
    requests: z.array(joinRequestSchema),
    next_cursor: meta(z.optional(objectId("a cursor")), {
      description: "Pass as `cursor` for the next page; absent on the last.",
    }),
  }),
  { id: "JoinRequestPage" },
);

export const joinRequestApprovedSchema = meta(
  z.strictObject({ request: joinRequestSchema, membership: joinedMembershipSchema }),
  { id: "JoinRequestApproved" },
);

// --- views ---------------------------------------------------------------------------------------

export function domainClaimView(claim: DomainClaim): z.input<typeof domainClaimSchema> {
  return {
    domain: claim.domain,
    state: claim.state,
    record: { ...claim.record },
    join_mode: claim.joinMode,
    created_at: claim.createdAt.toISOString(),
    ...(claim.verifiedAt && { verified_at: claim.verifiedAt.toISOString() }),
    ...(claim.lastCheckedAt && { last_checked_at: claim.lastCheckedAt.toISOString() }),
    check_failures: claim.checkFailures,
  };
}

export function joinableOrganizationsView(
  organizations: readonly JoinableOrganization[],
): z.input<typeof joinableOrganizationsSchema> {
  return {
    organizations: organizations.map((organization) => ({
      organization_id: organization.organizationId,
      organization_name: organization.organizationName,
      join_mode: organization.joinMode,
      domain: organization.domain,
      ...(organization.requestState && { request_state: organization.requestState }),
    })),
  };
}

export function joinedMembershipView(membership: JoinedMembership): z.input<typeof joinedMembershipSchema> {
  return {
    organization_id: membership.organizationId,
    organization_name: membership.organizationName,
    user_id: membership.userId,
    role: membership.role,
    joined_at: membership.joinedAt.toISOString(),
  };
}

export function joinRequestView(request: JoinRequest): z.input<typeof joinRequestSchema> {
  return {
    request_id: request.requestId,
    organization_id: request.organizationId,
    user_id: request.userId,
    email: request.email,
    domain: request.domain,
    state: request.state,
    requested_at: request.requestedAt.toISOString(),
    ...(request.decidedAt && { decided_at: request.decidedAt.toISOString() }),
  };
}

export function joinRequestPageView(page: JoinRequestPage): z.input<typeof joinRequestPageSchema> {
  return { requests: page.requests.map(joinRequestView), ...(page.nextCursor && { next_cursor: page.nextCursor }) };
}
