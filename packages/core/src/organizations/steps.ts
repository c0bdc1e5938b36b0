import { deleteWebhooksOf } from "../webhooks/endpoints";
import { deleteDomainsOf } from "../domains/cleanup";
import type { Db, ObjectId } from "mongodb";
import { placementOf, tenantDatabaseAt } from "../cells/placement";
import type { Database } from "../db/client";
import { membershipId } from "../members/membership";
import type { OrganizationDocument, PendingUpdate, PlacementDocument } from "../db/documents";
import { isDuplicateKeyError, isNamespaceExistsError, isNamespaceNotFoundError } from "../db/mongo-errors";
import { ConflictError } from "../errors";
import { revokeOrganizationSessions } from "../sessions/revoke";
import { emailTaken, setCredentials } from "../account/credentials";
import { deleteClient } from "../clients/manage";
import { indexNames, unindexOrganization } from "./search";

// Defined with the record it filters (model.ts), where the layers below organizations reach it.
export { VISIBLE } from "./model";

/**
 * The idempotent steps multi-step operations are made of. The online operations run them in
 * order; the reconciler runs the same ones to finish or undo an operation a crash interrupted, so
 * both paths share one definition of each step. Every step may run twice.
 */

export function nameTaken(name: string): ConflictError {
  return new ConflictError(`An organization named "${name}" (or spelled alike) already exists.`, "organization_name");
}

async function collectionExists(tenants: Db, name: string): Promise<boolean> {
  return (await tenants.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
}

/** Rename a tenant collection within its database; a repeat after it already moved is a no-op. */
export async function moveCollection(tenants: Db, from: string, to: string): Promise<void> {
  if (from === to) return;
  try {
    await tenants.renameCollection(from, to);
  } catch (error) {
    if (isNamespaceNotFoundError(error) && (await collectionExists(tenants, to))) return;
    throw error;
  }
}

/**
 * Drop a tenant collection (a silo tenant's: with its database) unless another record claims it.
 * During a rename the collection keeps its old name for a moment after the record has moved on,
 * and that old name is then free: a collection of that name in the same database still belongs
 * to the renaming record, never to a newcomer.
 */
export async function dropCollectionOf(
  db: Database,
  organization: Pick<OrganizationDocument, "_id" | "collection_name" | "placement">,
  placement: PlacementDocument = placementOf(organization),
): Promise<void> {
  const name = organization.collection_name;
  const claimedElsewhere = await db.organizations.countDocuments(
    {
      _id: { $ne: organization._id },
      $or: [{ collection_name: name }, { "pending.previous.collection_name": name }],
      "placement.cell": { $in: [placement.cell, null] },
      "placement.database": { $in: [placement.database, null] },
    },
    { limit: 1 },
  );
  if (claimedElsewhere > 0) return;
  const tenants = await tenantDatabaseAt(placement);
  try {
    await tenants.dropCollection(name);
  } catch (error) {
    if (!isNamespaceNotFoundError(error)) throw error;
  }
  // Named by the organization's id, a silo database holds nothing of anyone else's.
  if (placement.tier === "silo") await tenants.dropDatabase();
}

/** Create a tenant collection; a collection of that name that still exists means the name is not free yet. */
export async function createTenantCollection(organization: OrganizationDocument): Promise<void> {
  try {
    await (await tenantDatabaseAt(placementOf(organization))).createCollection(organization.collection_name);
  } catch (error) {
    if (isNamespaceExistsError(error)) throw nameTaken(organization.name);
    throw error;
  }
}

/** Marker off: the operation is complete. Matches the marker's start so a later operation's marker is never touched. */
export async function clearPending(
  db: Database,
  organization: OrganizationDocument,
  set: Partial<OrganizationDocument> = {},
  unset: Record<string, ""> = {},
): Promise<void> {
  await db.organizations.updateOne(
    { _id: organization._id, "pending.started_at": organization.pending?.started_at },
    { $unset: { pending: "", ...unset }, ...(Object.keys(set).length > 0 && { $set: set }) },
  );
}

/** The marks an update's change wrote (events/change.ts), to take back with an undone update. */
function marksOf(organization: OrganizationDocument, pending: PendingUpdate): Record<string, ""> {
  const marks = Object.entries(organization.event_marks ?? {});
  return Object.fromEntries(
    marks.filter(([, change]) => change === pending.event_change).map(([slot]) => [`event_marks.${slot}`, ""]),
  );
}

// --- create ----------------------------------------------------------------------------------

/**
 * Undo a create: collection, the creator's membership, the creator if this create made them,
 * record. A client never got a 201 for it. `collection: "kept"` when the create failed before
 * making the collection: one of that name is then not its own.
 */
export async function rollBackCreate(
  db: Database,
  organization: OrganizationDocument,
  collection: "dropped" | "kept" = "dropped",
): Promise<void> {
  if (collection === "dropped") await dropCollectionOf(db, organization);
  const pending = organization.pending?.op === "create" ? organization.pending : undefined;
  if (pending?.restore) {
    // A restore's members: every membership goes, and the accounts left with none (the ones it made).
    await removeEveryMember(db, organization._id);
  } else {
    const creator = pending?.user_id ?? organization.admin_id;
    await db.memberships.deleteOne({ _id: membershipId(organization._id, creator) });
    await revokeOrganizationSessions(db, organization._id);
    // Markers from before users existed made their admin; a user who signed up earlier stays.
    if (pending?.user_created !== false) await deleteUserIfNoMemberships(db, creator);
  }
  await db.organizations.deleteOne({ _id: organization._id, "pending.op": "create" });
  await unindexOrganization(db, organization._id);
}

/** Every membership of the organization and their sessions, then the users left without any. */
async function removeEveryMember(db: Database, organizationId: ObjectId): Promise<void> {
  const members = await db.memberships
    .find({ organization_id: organizationId }, { projection: { user_id: 1 } })
    .toArray();
  await db.memberships.deleteMany({ organization_id: organizationId });
  await revokeOrganizationSessions(db, organizationId);
  for (const { user_id } of members) await deleteUserIfNoMemberships(db, user_id);
}

/** A user belongs to at least one organization; one left with none is deleted, with their second factor. */
export async function deleteUserIfNoMemberships(db: Database, userId: ObjectId): Promise<boolean> {
  if ((await db.memberships.countDocuments({ user_id: userId }, { limit: 1 })) > 0) return false;
  const deleted = (await db.users.deleteOne({ _id: userId })).deletedCount > 0;
  if (deleted) {
    await Promise.all([
      db.mfaFactors.deleteOne({ _id: userId }),
      db.mfaEnrollments.deleteOne({ _id: userId }),
      db.usedOnce.deleteMany({ user_id: userId }),
    ]);
  }
  return deleted;
}

// --- update ----------------------------------------------------------------------------------

/** Whose credentials an update changes: the caller's, named in the marker (earlier markers: the record's admin). */
const credentialsOwner = (organization: OrganizationDocument, pending: PendingUpdate): ObjectId =>
  pending.credentials?.user_id ?? organization.admin_id;

export async function applyCredentials(
  db: Database,
  organization: OrganizationDocument,
  pending: PendingUpdate,
  now: Date,
): Promise<void> {
  if (!pending.credentials) return;
  try {
    await setCredentials(db, credentialsOwner(organization, pending), {
      ...pending.credentials.target,
      updated_at: now,
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw emailTaken();
    throw error;
  }
}

export async function moveTenantCollection(organization: OrganizationDocument, pending: PendingUpdate): Promise<void> {
  try {
    const tenants = await tenantDatabaseAt(placementOf(organization));
    await moveCollection(tenants, pending.previous.collection_name, organization.collection_name);
  } catch (error) {
    if (isNamespaceExistsError(error)) throw nameTaken(organization.name);
    throw error;
  }
}

/** Put everything back as it was before the update: credentials, collection, record. */
export async function rollBackUpdate(
  db: Database,
  organization: OrganizationDocument,
  pending: PendingUpdate,
): Promise<void> {
  if (pending.credentials) {
    await setCredentials(db, credentialsOwner(organization, pending), pending.credentials.previous);
  }
  const tenants = await tenantDatabaseAt(placementOf(organization));
  await moveCollection(tenants, organization.collection_name, pending.previous.collection_name);
  const { name, slug, collection_name, updated_at } = pending.previous;
  await clearPending(db, organization, { name, slug, collection_name, updated_at }, marksOf(organization, pending));
  // Found again under the name it has again, no longer under the one it was to take.
  await indexNames(db, organization._id, { name, slug });
}

// --- delete ----------------------------------------------------------------------------------

/**
 * Finish a delete: collection, invitations, memberships and their sessions, the users left
 * without any, then the record, which names what is left until the end. Users a crash leaves without a membership are
 * deleted by the reconciler.
 */
export async function finishDelete(
  db: Database,
  organization: OrganizationDocument,
  afterStep?: (step: number) => Promise<void>,
): Promise<void> {
  await dropCollectionOf(db, organization);
  await afterStep?.(2);
  await db.invitations.deleteMany({ organization_id: organization._id });
  // Its webhook endpoints, with their secrets, messages and attempts: nothing is delivered for it any more.
  await deleteWebhooksOf(db, organization._id);
  // Its machine clients: credentials of an organization that is gone, which nothing could list or revoke.
  for (const client of await db.clients
    .find({ organization_id: organization._id }, { projection: { _id: 1 } })
    .toArray()) {
    await deleteClient(db, client);
  }
  // Its single sign-on connection, with the sealed client secret, and sign-ins still under way.
  await Promise.all([
    db.ssoConnections.deleteOne({ _id: organization._id }),
    db.ssoLogins.deleteMany({ organization_id: organization._id }),
    db.ssoHandoffs.deleteMany({ organization_id: organization._id }),
  ]);
  // The domains it holds (free for another organization at once), its claims and join requests.
  await deleteDomainsOf(db, organization._id);
  await removeEveryMember(db, organization._id);
  await afterStep?.(3);
  await db.organizations.deleteOne({ _id: organization._id });
  await unindexOrganization(db, organization._id);
}

// --- repair ----------------------------------------------------------------------------------

/** What repairing an interrupted operation did. */
export type Outcome = "create-undone" | "update-finished" | "update-undone" | "delete-finished";

/**
 * Repair one organization whose operation was interrupted; the caller holds its lock. Run by the
 * reconciler (reconcile.ts) and by a change that finds a dead request's marker
 * (change-own-organization.ts).
 */
export async function reconcileOrganization(db: Database, organization: OrganizationDocument): Promise<Outcome> {
  const { pending } = organization;
  switch (pending?.op) {
    case "create":
      await rollBackCreate(db, organization);
      return "create-undone";
    case "delete":
      await finishDelete(db, organization);
      return "delete-finished";
    case "update":
      try {
        // Finished as its request would have: at that request's time, as the record's `updated_at` is.
        await applyCredentials(db, organization, pending, pending.started_at);
        await moveTenantCollection(organization, pending);
        await clearPending(db, organization, { updated_at: pending.started_at });
        return "update-finished";
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await rollBackUpdate(db, organization, pending);
        return "update-undone";
      }
    default:
      throw new Error("reconcileOrganization called on an organization without a pending operation");
  }
}
