import { ObjectId } from "mongodb";
import type { Role, ScopedCaller } from "../auth/permissions";
import type { Database } from "../db/client";
import type { OrganizationDocument, Tier } from "../db/documents";
import { NotFoundError, OrganizationSuspendedError, ValidationError } from "../errors";
import type { OrganizationPolicies } from "../policies/model";
import { slugify } from "../slug";

/** Records visible to readers: half-created and half-deleted organizations do not exist. */
export const VISIBLE = { "pending.op": { $nin: ["create", "delete"] } } as const;

/** An organization as the rest of the service sees it. */
export interface Organization {
  readonly id: string;
  readonly adminId: string;
  readonly name: string;
  readonly slug: string;
  readonly collectionName: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** As a member sees it: the earliest owner's email (the single admin of earlier versions), and the viewer's role. */
export interface OrganizationWithAdmin extends Organization {
  readonly adminEmail: string;
  readonly role?: Role;
  /** Where its data lives, for members looking it up (never a connection string). */
  readonly placement?: { readonly cell: string; readonly tier: Tier };
  /** For members looking it up: what the platform's operator published to them (platform/metadata.ts). */
  readonly publicMetadata?: Record<string, unknown>;
  /** For members looking it up: its security policies (policies/), which they are held to. */
  readonly policies?: OrganizationPolicies;
}

/** The identity a verified access token carries: a user acting for an organization, in a role, with the token's scopes. */
export interface Actor extends ScopedCaller {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
  /** The session the request comes in (a credential change continues it under the new credentials). */
  readonly sessionId?: string;
  /**
   * Set when an organization's machine client acts (clients/): then `userId` is the client's id
   * (no user), and the audit log names the client.
   */
  readonly clientId?: string;
}

/** An actor as authentication found it, session read: the email and the session come with it. */
export interface AuthenticatedActor extends Actor {
  readonly email: string;
  readonly sessionId: string;
}

export const organizationProjection = {
  _id: 1,
  pending: 1,
  admin_id: 1,
  name: 1,
  slug: 1,
  collection_name: 1,
  placement: 1,
  move: 1,
  suspended: 1,
  created_at: 1,
  updated_at: 1,
} as const;

/**
 * What a public lookup reads (an organization as anyone may see it): not where its data lives or
 * whether it is moving. Every field a record answers costs FerretDB its conversion and the driver
 * its decoding, on the route the most requests take.
 */
export const publicOrganizationProjection = {
  _id: 1,
  admin_id: 1,
  name: 1,
  slug: 1,
  collection_name: 1,
  created_at: 1,
  updated_at: 1,
} as const;

export function toOrganization(document: OrganizationDocument): Organization {
  return {
    id: document._id.toHexString(),
    adminId: document.admin_id.toHexString(),
    name: document.name,
    slug: document.slug,
    collectionName: document.collection_name,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
  };
}

/** The visible record of an organization by its id (a string from a token), or null. */
function readVisibleOrganization(db: Database, id: string): Promise<OrganizationDocument | null> {
  const organizationId = toObjectId(id);
  if (!organizationId) return Promise.resolve(null);
  return db.organizations.findOne({ _id: organizationId, ...VISIBLE }, { projection: organizationProjection });
}

/**
 * Reads of an actor's organization started while its session was still being checked
 * ({@link startOrganizationRead}), by the actor authentication returned. Each is used once, by
 * the request's first {@link ownOrganization}: a later look in the same request reads afresh.
 */
const earlyReads = new WeakMap<
  Actor,
  { readonly organizationId: string; readonly read: Promise<OrganizationDocument | null> }
>();

/**
 * Start reading the organization a token names, before the session behind the token is checked,
 * so that a route going on to the organization's data waits for one round trip instead of two.
 * Nothing sees the record unless `adopt` is called with the actor the check produced.
 */
export function startOrganizationRead(db: Database, organizationId: string): { adopt(actor: Actor): void } {
  const read = readVisibleOrganization(db, organizationId);
  // Should the check fail, nobody waits for this read: its failure must not go unhandled.
  read.catch(() => undefined);
  return { adopt: (actor) => earlyReads.set(actor, { organizationId, read }) };
}

/**
 * The caller's own organization, found by the token's organization id (never by anything the
 * request names), as readers see it: half-created or mid-deletion, it does not exist (404).
 */
export async function ownOrganization(db: Database, actor: Actor): Promise<OrganizationDocument> {
  const early = earlyReads.get(actor);
  earlyReads.delete(actor);
  const organization =
    early?.organizationId === actor.organizationId
      ? await early.read
      : await readVisibleOrganization(db, actor.organizationId);
  if (!organization) throw new NotFoundError("The token's organization does not exist.");
  // Its data, members and invitations are not served while it is suspended (platform/suspension.ts).
  if (organization.suspended) throw new OrganizationSuspendedError();
  return organization;
}

/** The visible record with this id: a malformed id is a 422, an unknown one (or one being created or deleted) a 404. */
export async function visibleOrganization(db: Database, id: string): Promise<OrganizationDocument> {
  const organizationId = typeof id === "string" ? toObjectId(id) : undefined;
  if (!organizationId) throw new ValidationError([{ path: "organization_id", message: "is not an organization id" }]);
  const organization = await db.organizations.findOne(
    { _id: organizationId, ...VISIBLE },
    { projection: organizationProjection },
  );
  if (!organization) throw new NotFoundError("No organization has this id.");
  return organization;
}

/** Look an organization up by name; any spelling with the same slug finds it. */
export async function findOrganizationDocument(
  db: Database,
  name: string,
  projection: Readonly<Partial<Record<keyof OrganizationDocument, 1>>> = organizationProjection,
): Promise<OrganizationDocument> {
  const document = await db.organizations.findOne({ slug: slugify(name), ...VISIBLE }, { projection });
  if (!document) throw new NotFoundError(`No organization is named "${name}".`);
  return document;
}

/** The earliest owner's email: what `admin_email` has always shown, now that there may be several. */
export async function adminEmailOf(db: Database, organizationId: ObjectId): Promise<string> {
  const [owner] = await db.memberships
    .find({ organization_id: organizationId, role: "owner" }, { projection: { email: 1 } })
    .sort({ joined_at: 1, _id: 1 })
    .limit(1)
    .toArray();
  if (!owner) throw new NotFoundError("The organization has no owner.");
  return owner.email;
}

export function toObjectId(id: string): ObjectId | undefined {
  return ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id) ? new ObjectId(id) : undefined;
}
