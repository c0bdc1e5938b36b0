import type { Collection, Document, ObjectId } from "mongodb";
import { requirePermission, type Scope } from "../auth/permissions";
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
 */
export async function tenantCollectionOf(actor: Actor, scope: Scope, action: string): Promise<TenantHandle> {
  requirePermission(actor.role, scope, action);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  return { db, organization, collection: db.tenants.collection<TenantDocument>(organization.collection_name) };
}
