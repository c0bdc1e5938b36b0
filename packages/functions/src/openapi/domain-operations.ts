import type { ZodOpenApiOperationObject } from "zod-openapi";
import {
  claimDomainBody,
  domainClaimSchema,
  domainListSchema,
  domainPath,
  domainReleasedSchema,
  joinableOrganizationsSchema,
  joinedMembershipSchema,
  joinModeBody,
  joinOrganizationPath,
  joinRequestApprovedSchema,
  joinRequestIdPath,
  joinRequestPageSchema,
  joinRequestSchema,
  joinRequestsQuery,
} from "../http/domains";
import { json, protectedRoute, protectedRouteErrors } from "./operation-parts";
import { bodyErrors, errors, problemAnswer } from "./responses";

/**
 * The operations of verified email domains and joining by domain (core's domains/), spread into
 * the document's operations (operations.ts), which checks that each route has one.
 */
const domainScope = "`org:domains` (owners, admins)";
const notClaimed = { "404": problemAnswer("The organization has not claimed this domain.") };
const malformedDomain = {
  "422": problemAnswer("The domain in the path is not one that could be claimed (`errors` says why)."),
};
const domainsBusy =
  "another change of the organization's domains is under way (try again in a moment; changes wait up to 2 s for each other)";
const noRequest = { "404": problemAnswer("The organization has no join request of this id.") };

export const domainOperations = {
  "GET /org/domains": {
    operationId: "listDomains",
    tags: ["Organizations"],
    summary: "The organization's email domains: their state and the DNS record that verifies each",
    description: `${domainScope}. Each claim with its state (\`pending\` or \`verified\`), the TXT record to publish (\`record.name\`, \`record.value\`), its join mode, and when it was verified and last checked.`,
    security: protectedRoute,
    responses: {
      "200": { description: "The claims, by domain.", content: json(domainListSchema) },
      ...protectedRouteErrors,
    },
  },
  "POST /org/domains": {
    operationId: "claimDomain",
    tags: ["Organizations"],
    summary: "Claim an email domain (pending until its TXT record is verified)",
    description: `${domainScope}. The answer holds the record to publish: \`_org-service-verification.<domain>\` TXT \`org-service-verification=<random>\`, a value of this claim's own. A domain another organization holds may be claimed; verifying it answers 409 while that one holds it. At most 20 claims per organization. Audited (\`domain.claimed\`).`,
    security: protectedRoute,
    requestBody: { required: true, content: json(claimDomainBody) },
    responses: {
      "201": { description: "The claim, pending.", content: json(domainClaimSchema) },
      ...bodyErrors,
      "409": problemAnswer(
        `The organization has claimed this domain already, or as many domains as it may (20), or ${domainsBusy}.`,
      ),
      ...protectedRouteErrors,
    },
  },
  "POST /org/domains/{domain}/verify": {
    operationId: "verifyDomain",
    tags: ["Organizations"],
    summary: "Verify a claimed domain: look its TXT record up now",
    description: `${domainScope}. Looks up the TXT records at \`_org-service-verification.<domain>\` (DNS_SERVERS, else the system's resolvers; DNS_TIMEOUT_MILLISECONDS at most); if one is the claim's value, the organization holds the domain, and no other organization can verify it until this one releases it or the daily re-check finds the record missing three times in a row. Of two organizations verifying one domain at once, exactly one holds it. Verifying a domain held already answers it as it is. Audited (\`domain.verified\`).`,
    security: protectedRoute,
    requestParams: { path: domainPath },
    responses: {
      "200": { description: "Verified: the organization holds the domain.", content: json(domainClaimSchema) },
      "422": problemAnswer(
        "No TXT record at the name has the claim's value (yet): the problem's `record` ({type, name, value}) is what to publish — DNS changes may take a while to be seen. Or the domain in the path is malformed.",
      ),
      ...notClaimed,
      "409": problemAnswer(`Another organization holds the domain, or ${domainsBusy}.`),
      ...protectedRouteErrors,
      "503": {
        ...errors.unavailable["503"],
        description:
          "DNS gave no answer (a timeout, SERVFAIL, a refusal: `urn:org-service:problem:upstream-unavailable`, nothing decided), the database is not reachable, or the request ran out of time; try again after Retry-After.",
      },
    },
  },
  "PATCH /org/domains/{domain}": {
    operationId: "setDomainJoinMode",
    tags: ["Organizations"],
    summary: "Set what a verified domain lets its users do: off, auto-join or suggest",
    description: `${domainScope}. \`auto-join\`: a user whose email in the domain is verified may join as a \`member\` (\`POST /me/joinable-organizations/{organization_id}/join\`); \`suggest\`: they may ask, and an owner or admin approves or declines (\`/org/join-requests\`); \`off\` (the default): neither. Only the exact domain counts, not its subdomains. Set on a pending claim, it applies once verified. Audited (\`domain.join_mode_changed\`).`,
    security: protectedRoute,
    requestParams: { path: domainPath },
    requestBody: { required: true, content: json(joinModeBody) },
    responses: {
      "200": { description: "The claim as it is now.", content: json(domainClaimSchema) },
      ...bodyErrors,
      ...notClaimed,
      ...protectedRouteErrors,
    },
  },
  "DELETE /org/domains/{domain}": {
    operationId: "releaseDomain",
    tags: ["Organizations"],
    summary: "Release a claimed domain (and the domain itself, if the organization holds it)",
    description: `${domainScope}. Another organization may verify the domain from then on; pending join requests by it can no longer be approved. Audited (\`domain.released\`).`,
    security: protectedRoute,
    requestParams: { path: domainPath },
    responses: {
      "200": { description: "Released.", content: json(domainReleasedSchema) },
      ...malformedDomain,
      ...notClaimed,
      "409": problemAnswer(`${domainsBusy[0]!.toUpperCase()}${domainsBusy.slice(1)}.`),
      ...protectedRouteErrors,
    },
  },
  "GET /org/join-requests": {
    operationId: "listJoinRequests",
    tags: ["Members"],
    summary: "Requests to join by a verified domain in suggest mode, a page at a time",
    description:
      "`members:manage` (owners, admins). Pending ones by default (`state`), in a stable order; `next_cursor` gives the next page.",
    security: protectedRoute,
    requestParams: { query: joinRequestsQuery },
    responses: {
      "200": { description: "A page of requests.", content: json(joinRequestPageSchema) },
      ...errors.invalid,
      ...protectedRouteErrors,
    },
  },
  "POST /org/join-requests/{request_id}/approve": {
    operationId: "approveJoinRequest",
    tags: ["Members"],
    summary: "Approve a request to join: the requester becomes a member",
    description:
      "`members:manage` (owners, admins). Only while the requester may still join: their email still a verified address in the domain, the domain still held by the organization and in `suggest` mode (else 409, the request stays pending, to be declined). Decisions are made under the organization's lock: of two at once, one is made. `member.added` is its event; audited (`join_request.approved`).",
    security: protectedRoute,
    requestParams: { path: joinRequestIdPath },
    responses: {
      "200": { description: "Approved, and the membership made.", content: json(joinRequestApprovedSchema) },
      ...errors.invalid,
      ...noRequest,
      "409": problemAnswer(
        "The request was decided already, the requester may no longer join (`detail` says why) or is a member already, or another change of the organization's members is under way.",
      ),
      ...protectedRouteErrors,
    },
  },
  "POST /org/join-requests/{request_id}/decline": {
    operationId: "declineJoinRequest",
    tags: ["Members"],
    summary: "Decline a request to join, for good",
    description:
      "`members:manage` (owners, admins). The requester cannot ask again (an invitation still works). Audited (`join_request.declined`).",
    security: protectedRoute,
    requestParams: { path: joinRequestIdPath },
    responses: {
      "200": { description: "Declined.", content: json(joinRequestSchema) },
      ...errors.invalid,
      ...noRequest,
      "409": problemAnswer(
        "The request was decided already, or another change of the organization's members is under way.",
      ),
      ...protectedRouteErrors,
    },
  },
  "GET /me/joinable-organizations": {
    operationId: "listJoinableOrganizations",
    tags: ["Members"],
    summary: "The organizations the caller's verified email's domain lets them join",
    description:
      "`org:read`, whichever organization the token is for. The organization (a domain has one holder) that holds exactly the domain of the caller's email, in `auto-join` or `suggest` mode, unless the caller is its member already. Empty while the caller's email is not verified: only a verified address proves mail in the domain reaches them.",
    security: protectedRoute,
    responses: {
      "200": { description: "What the caller may join.", content: json(joinableOrganizationsSchema) },
      ...protectedRouteErrors,
    },
  },
  "POST /me/joinable-organizations/{organization_id}/join": {
    operationId: "joinOrganization",
    tags: ["Members"],
    summary: "Join an organization by one's verified email's domain, or ask to",
    description:
      "`profile:write`. In `auto-join` mode, 201: the caller is a `member` now (`POST /auth/switch` opens a session there; `member.added` is its event, audited as `member.joined_by_domain`). In `suggest` mode, 202: the request waits for an owner or admin (asking again answers the same request; a declined one stays declined). An organization not listed by `GET /me/joinable-organizations` answers 404, the same whether it exists or not.",
    security: protectedRoute,
    requestParams: { path: joinOrganizationPath },
    responses: {
      "201": { description: "Joined (auto-join).", content: json(joinedMembershipSchema) },
      "202": { description: "Asked (suggest): the request, pending.", content: json(joinRequestSchema) },
      ...errors.invalid,
      "404": problemAnswer("No organization of this id may be joined with the caller's verified email's domain."),
      "409": problemAnswer("The caller is a member already, or their request was declined."),
      ...protectedRouteErrors,
      "403": {
        ...errors.scope["403"],
        description: `${errors.scope["403"].description} And \`urn:org-service:problem:email-not-verified\` while the caller's email is not verified.`,
      },
    },
  },
} satisfies Record<string, ZodOpenApiOperationObject>;
