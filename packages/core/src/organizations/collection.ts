import { database } from "../db/client";
import { tenantCollectionAt } from "../cells/placement";
import { requireScope } from "../auth/permissions";
import { ownOrganization, type Actor } from "./model";

export interface TenantCollection {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly collectionName: string;
  readonly documentCount: number;
}

/**
 * The caller's own tenant collection: its name and how many documents it holds. Found by the
 * actor's organization id, never by a name the caller sends, so no one can count another
 * tenant's documents. A half-created or half-deleted organization has none yet (or any more):
 * 404, as for every other reader.
 */
export async function getTenantCollection(actor: Actor): Promise<TenantCollection> {
  requireScope(actor, "org:read", "read the organization's collection");
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const documentCount = await (await tenantCollectionAt(organization)).countDocuments();
  return {
    organizationId: organization._id.toHexString(),
    organizationName: organization.name,
    collectionName: organization.collection_name,
    documentCount,
  };
}
