import type { ObjectId } from "mongodb";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type {
  DomainClaimDocument,
  JoinRequestDocument,
  MembershipDocument,
  OrganizationDocument,
  UserDocument,
} from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, EmailNotVerifiedError, NotFoundError, UnauthenticatedError, ValidationError } from "../errors";
import { eventActorOf } from "../events/actor";
import type { EventActor } from "../events/types";
import { addMemberWithoutInvitation } from "../members/add-member";
import { membershipId } from "../members/membership";
import { withOrganizationLock } from "../organizations/lock";
import { type Actor, type AuthenticatedActor, ownOrganization, toObjectId, VISIBLE } from "../organizations/model";
import { pageLimit, pageOf } from "../paging";
import { allowsMemberAddress } from "../policies/invitation-domains";
import { emailDomain } from "./email-domain";

/** The largest page `GET /org/join-requests` serves. */
export const JOIN_REQUESTS_PAGE_MAX = 100;

export type JoinRequestState = JoinRequestDocument["state"];
export const JOIN_REQUEST_STATES = ["pending", "approved", "declined"] as const satisfies readonly JoinRequestState[];

/** An organization the caller may join, or ask to, by their verified email's domain. */
export interface JoinableOrganization {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly joinMode: "auto-join" | "suggest";
  /** The verified domain, the caller's email's. */
  readonly domain: string;
  /** In `suggest` mode, the caller's request, once made. */
  readonly requestState?: JoinRequestState;
}

/** A request to join, as the organization's owners and admins see it. */
export interface JoinRequest {
  /** The requester's user id: one request per user and organization. */
  readonly requestId: string;
  readonly organizationId: string;
  readonly userId: string;
  readonly email: string;
  readonly domain: string;
  readonly state: JoinRequestState;
  readonly requestedAt: Date;
  readonly decidedAt?: Date;
}

export interface JoinRequestPage {
  readonly requests: readonly JoinRequest[];
  readonly nextCursor?: string;
}

/** A membership made by joining: what `POST /auth/switch` then opens a session in. */
export interface JoinedMembership {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly userId: string;
  readonly role: "member";
  readonly joinedAt: Date;
}

export type JoinOutcome =
  | { readonly outcome: "joined"; readonly membership: JoinedMembership }
  | { readonly outcome: "requested"; readonly request: JoinRequest };

const toJoinRequest = (request: JoinRequestDocument): JoinRequest => ({
  requestId: request.user_id.toHexString(),
  organizationId: request.organization_id.toHexString(),
  userId: request.user_id.toHexString(),
  email: request.email,
  domain: request.domain,
  state: request.state,
  requestedAt: request.requested_at,
  ...(request.decided_at && { decidedAt: request.decided_at }),
});

type Requester = Pick<UserDocument, "_id" | "email" | "email_verified" | "credentials_version">;
const requesterProjection = { email: 1, email_verified: 1, credentials_version: 1 } as const;

/** What makes a user eligible to join an organization by domain: the domain held, its claim, the organization. */
interface Eligibility {
  readonly domain: string;
  readonly claim: DomainClaimDocument;
  readonly organization: Pick<OrganizationDocument, "_id" | "name">;
  readonly membership: MembershipDocument | null;
  readonly request: JoinRequestDocument | null;
}

/**
 * The organization a user may join by their email's domain, if any: their address is verified
 * (only a verified address proves they receive mail in the domain), an organization holds exactly
 * that domain (no parent or child domain counts), its claim's mode is `auto-join` or `suggest`,
 * and the organization exists for readers and is not suspended. A domain has one holder, so there
 * is at most one. Always the same reads by primary key, the user's first.
 */
async function eligibilityOf(db: Database, user: Requester | null): Promise<Eligibility | undefined> {
  if (user?.email_verified !== true) return undefined;
  const domain = emailDomain(user.email);
  const held = await db.verifiedDomains.findOne({ _id: domain });
  if (!held) return undefined;
  const [claim, organization, membership, request] = await Promise.all([
    db.domainClaims.findOne({ _id: held.claim_id }),
    db.organizations.findOne(
      { _id: held.organization_id, ...VISIBLE },
      { projection: { name: 1, suspended: 1, policies: 1 } },
    ),
    db.memberships.findOne({ _id: membershipId(held.organization_id, user._id) }),
    db.joinRequests.findOne({ _id: membershipId(held.organization_id, user._id) }),
  ]);
  if (!claim || !organization || organization.suspended) return undefined;
  if (!claim.organization_id.equals(held.organization_id) || claim.join_mode === "off") return undefined;
  // The owners' rule for who may become a member holds for every way in, this one too: a domain an
  // admin verified outside the invitation domains admits nobody.
  if (!allowsMemberAddress(organization, user.email)) return undefined;
  return { domain, claim, organization, membership, request };
}

async function requesterOf(db: Database, actor: Actor): Promise<Requester> {
  const userId = toObjectId(actor.userId);
  const user = userId && (await db.users.findOne({ _id: userId }, { projection: requesterProjection }));
  if (!user) throw new UnauthenticatedError();
  return user;
}

/**
 * `GET /me/joinable-organizations`: the organization the caller may join (`auto-join`) or ask to
 * join (`suggest`) by their verified email's domain, unless they are its member already — none
 * while their email is unverified.
 */
export async function listJoinableOrganizations(actor: AuthenticatedActor): Promise<JoinableOrganization[]> {
  requireScope(actor, "org:read", "list the organizations they may join");
  const db = await database();
  const eligible = await eligibilityOf(db, await requesterOf(db, actor));
  if (!eligible || eligible.membership) return [];
  return [
    {
      organizationId: eligible.organization._id.toHexString(),
      organizationName: eligible.organization.name,
      joinMode: eligible.claim.join_mode as "auto-join" | "suggest",
      domain: eligible.domain,
      ...(eligible.request && { requestState: eligible.request.state }),
    },
  ];
}

/** One answer for every organization the caller may not join, whether it exists or not: nothing to enumerate. */
const notJoinable = () =>
  new NotFoundError("No organization of this id may be joined with your verified email address's domain.");

const alreadyMember = () =>
  new ConflictError("The user is a member of this organization already.", "organization_id", {
    issue: "is an organization of theirs already",
  });

/**
 * `POST /me/joinable-organizations/{organization_id}/join`: in `auto-join` mode the caller becomes a
 * `member` at once (a session there is a `POST /auth/switch` away); in `suggest` mode their request
 * waits for an owner or admin. Asking twice is one request (its `_id`); a declined request stays
 * declined. An organization not in `GET /me/joinable-organizations` answers 404, whether it exists
 * or not; an unverified email, 403.
 */
export async function joinOrganization(
  actor: AuthenticatedActor,
  organizationId: string,
  context: RequestContext = {},
): Promise<JoinOutcome> {
  requireScope(actor, "profile:write", "join an organization by their email's domain");
  const db = await database();
  const user = await requesterOf(db, actor);
  if (user.email_verified !== true)
    throw new EmailNotVerifiedError("Verify your email address first: only a verified address's domain counts.");
  const target = toObjectId(organizationId);
  const eligible = await eligibilityOf(db, user);
  if (!target || !eligible?.organization._id.equals(target)) throw notJoinable();
  if (eligible.membership) throw alreadyMember();
  const now = nowOf(context);
  const { organization, domain } = eligible;

  if (eligible.claim.join_mode === "auto-join") {
    const membership = await addDomainMember(db, organization._id, user, { type: "user", id: actor.userId }, now, {
      domain,
    });
    await recordAudit(
      db,
      {
        action: "member.joined_by_domain",
        organizationId: organization._id,
        userId: user._id,
        email: user.email,
        details: { domain, role: membership.role },
      },
      context,
    );
    return {
      outcome: "joined",
      membership: {
        organizationId: organization._id.toHexString(),
        organizationName: organization.name,
        userId: user._id.toHexString(),
        role: "member",
        joinedAt: membership.joined_at,
      },
    };
  }

  const request: JoinRequestDocument = {
    _id: membershipId(organization._id, user._id),
    organization_id: organization._id,
    user_id: user._id,
    email: user.email,
    domain,
    state: "pending",
    requested_at: now,
  };
  const existing = eligible.request;
  if (existing?.state === "pending") return { outcome: "requested", request: toJoinRequest(existing) };
  if (existing?.state === "declined")
    throw new ConflictError("Your request to join this organization was declined.", "organization_id", {
      issue: "declined your request",
    });
  try {
    if (existing) {
      // Approved once, and no longer a member (removed, or left): they may ask again.
      const { _id, ...reopened } = request;
      const { matchedCount } = await db.joinRequests.updateOne(
        { _id, state: "approved" },
        { $set: reopened, $unset: { decided_at: "", decided_by: "" } },
      );
      if (matchedCount === 0) throw notJoinable();
    } else {
      await db.joinRequests.insertOne(request);
    }
  } catch (error) {
    // Asked twice at once: the other request is the one.
    if (!isDuplicateKeyError(error)) throw error;
    const other = await db.joinRequests.findOne({ _id: request._id });
    if (!other) throw error;
    return { outcome: "requested", request: toJoinRequest(other) };
  }
  await recordAudit(
    db,
    {
      action: "join_request.created",
      organizationId: organization._id,
      userId: user._id,
      email: user.email,
      details: { domain },
    },
    context,
  );
  return { outcome: "requested", request: toJoinRequest(request) };
}

/** A user made a `member` by their domain (members/add-member.ts); a member already is a conflict. */
async function addDomainMember(
  db: Database,
  organizationId: ObjectId,
  user: Requester,
  actor: EventActor,
  now: Date,
  data: { readonly domain: string },
): Promise<MembershipDocument> {
  const membership = await addMemberWithoutInvitation(db, organizationId, user, actor, now, { via: "domain", ...data });
  if (!membership) throw alreadyMember();
  return membership;
}

/** `GET /org/join-requests`: the organization's requests in one state (pending by default), a page at a time. */
export async function listJoinRequests(
  actor: Actor,
  options: { state?: JoinRequestState; limit?: number; cursor?: string } = {},
): Promise<JoinRequestPage> {
  requireScope(actor, "members:manage", "list join requests");
  const limit = pageLimit(options.limit, 50, JOIN_REQUESTS_PAGE_MAX);
  const after = options.cursor === undefined ? undefined : toObjectId(options.cursor);
  if (options.cursor !== undefined && !after)
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from a previous page" }]);
  if (options.state !== undefined && !(JOIN_REQUEST_STATES as readonly string[]).includes(options.state))
    throw new ValidationError([{ path: "state", message: `must be one of ${JOIN_REQUEST_STATES.join(", ")}` }]);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const documents = await db.joinRequests
    .find({
      organization_id: organization._id,
      state: options.state ?? "pending",
      ...(after && { _id: { $gt: membershipId(organization._id, after) } }),
    })
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(documents, limit, (last) => last.user_id.toHexString());
  return { requests: items.map(toJoinRequest), ...(nextCursor && { nextCursor }) };
}

/**
 * Decide a pending request, under the organization's lock like every change of its members: of
 * two decisions at once one waits or is refused (409), and the later one finds it decided (409).
 */
async function decide<T>(
  actor: Actor,
  requestId: string,
  action: string,
  decision: (db: Database, organization: OrganizationDocument, request: JoinRequestDocument) => Promise<T>,
): Promise<T> {
  requireScope(actor, "members:manage", action);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const userId = toObjectId(requestId);
  return withOrganizationLock(db, organization._id, async () => {
    const request = userId && (await db.joinRequests.findOne({ _id: membershipId(organization._id, userId) }));
    if (!request) throw new NotFoundError("The organization has no join request of this id.");
    if (request.state !== "pending")
      throw new ConflictError(`This request was ${request.state} already.`, "request_id", {
        issue: `was ${request.state} already`,
      });
    return decision(db, organization, request);
  });
}

/** Why an approval can no longer make the requester a member, or undefined when it can. */
async function approvalProblem(
  db: Database,
  organization: OrganizationDocument,
  request: JoinRequestDocument,
  user: Requester | null,
): Promise<string | undefined> {
  if (!user) return "the requester's account no longer exists";
  if (user.email_verified !== true || emailDomain(user.email) !== request.domain)
    return `the requester's email is no longer a verified address in ${request.domain}`;
  const held = await db.verifiedDomains.findOne({ _id: request.domain });
  if (!held?.organization_id.equals(organization._id)) return `the organization no longer holds ${request.domain}`;
  const claim = await db.domainClaims.findOne({ _id: held.claim_id }, { projection: { join_mode: 1 } });
  if (claim?.join_mode !== "suggest") return `${request.domain} is no longer in suggest mode`;
  // Read under the organization's lock, as policy changes are made: the policy as it is now.
  const policies = await db.organizations.findOne({ _id: organization._id }, { projection: { policies: 1 } });
  if (!policies || !allowsMemberAddress(policies, user.email))
    return `the organization's invitation domains do not include ${request.domain}`;
  return undefined;
}

/**
 * `POST /org/join-requests/{request_id}/approve`: the requester becomes a `member`, if they still
 * may (their email still a verified address in the domain, the domain still held by the
 * organization, in `suggest` mode): otherwise 409, and the request stays pending to be declined.
 */
export async function approveJoinRequest(
  actor: Actor,
  requestId: string,
  context: RequestContext = {},
): Promise<{ readonly request: JoinRequest; readonly membership: JoinedMembership }> {
  return decide(actor, requestId, "approve join requests", async (db, organization, request) => {
    const user = await db.users.findOne({ _id: request.user_id }, { projection: requesterProjection });
    const problem = await approvalProblem(db, organization, request, user);
    if (problem) throw new ConflictError(`The request can no longer be approved: ${problem}.`, "request_id");
    const now = nowOf(context);
    const decided = { state: "approved" as const, decided_at: now, ...deciderOf(actor) };
    const membership = await addDomainMember(db, organization._id, user!, eventActorOf(actor), now, {
      domain: request.domain,
    }).catch(async (error: unknown) => {
      // A member already (invited meanwhile): the request has nothing left to ask.
      if (error instanceof ConflictError) await db.joinRequests.updateOne({ _id: request._id }, { $set: decided });
      throw error;
    });
    await db.joinRequests.updateOne({ _id: request._id }, { $set: decided });
    await recordAudit(
      db,
      {
        action: "join_request.approved",
        organizationId: organization._id,
        userId: toObjectId(actor.userId),
        email: request.email,
        details: { user_id: request.user_id.toHexString(), domain: request.domain },
      },
      context,
    );
    return {
      request: toJoinRequest({ ...request, ...decided }),
      membership: {
        organizationId: organization._id.toHexString(),
        organizationName: organization.name,
        userId: request.user_id.toHexString(),
        role: "member",
        joinedAt: membership.joined_at,
      },
    };
  });
}

/** `POST /org/join-requests/{request_id}/decline`: the request is declined, for good (the user cannot ask again). */
export async function declineJoinRequest(
  actor: Actor,
  requestId: string,
  context: RequestContext = {},
): Promise<JoinRequest> {
  return decide(actor, requestId, "decline join requests", async (db, organization, request) => {
    const decided = { state: "declined" as const, decided_at: nowOf(context), ...deciderOf(actor) };
    await db.joinRequests.updateOne({ _id: request._id }, { $set: decided });
    await recordAudit(
      db,
      {
        action: "join_request.declined",
        organizationId: organization._id,
        userId: toObjectId(actor.userId),
        email: request.email,
        details: { user_id: request.user_id.toHexString(), domain: request.domain },
      },
      context,
    );
    return toJoinRequest({ ...request, ...decided });
  });
}

const deciderOf = (actor: Actor): { decided_by?: ObjectId } => {
  const userId = toObjectId(actor.userId);
  return userId ? { decided_by: userId } : {};
};
