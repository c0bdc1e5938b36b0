import type { Collection, Db, Document, ObjectId } from "mongodb";
import { placementOf, tenantDatabaseAt } from "../cells/placement";
import { TenantMovingError, MOVING_RETRY_AFTER_SECONDS } from "../errors";
import { requireScope, type Scope } from "../auth/permissions";
import { type Database, database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { type Actor, ownOrganization } from "../organizations/model";

/** A document of a tenant collection, as stored: any fields, an `_id` (a string for everything this API writes). */
export interface TenantDocument extends Document {
  /** A string for everything this API writes; an ObjectId for a document written by other means. */
  _id?: string | ObjectId;
}

export interface TenantHandle {
  readonly db: Database;
  readonly organization: OrganizationDocument;
  /** The database the collection is in, wherever the organization is placed. */
  readonly tenants: Db;
  readonly collection: Collection<TenantDocument>;
}

/**
 * The only way to a tenant collection for the document API: the collection is the one the
 * actor's organization record names, looked up by the organization id of the actor's verified
 * token. Nothing a request sends (a name, an id, a filter) takes part in choosing it, so no
 * operation built on this handle can reach another organization's documents. The role is checked
 * here too, from the membership authentication read, whatever the route's scope already said.
 *
 * A half-created or half-deleted organization has no collection: 404, as for every other reader.
 * While the tenant moves to another cell or tier, writes are fenced (409 tenant-moving, with
 * Retry-After) until the placement has switched; reads keep using the source until then.
 */
export async function tenantCollectionOf(
  actor: Actor,
  scope: Scope,
  action: string,
  intent: "read" | "write",
): Promise<TenantHandle> {
  requireScope(actor, scope, action);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  if (intent === "write" && organization.move && organization.move.step !== "switched") {
    throw new TenantMovingError(
      "The organization's data is moving to another cell; writes resume when the move is done. Reads keep working.",
      MOVING_RETRY_AFTER_SECONDS,
    );
  }
  const tenants = await tenantDatabaseAt(placementOf(organization));
  return { db, organization, tenants, collection: tenants.collection<TenantDocument>(organization.collection_name) };
}
