import type { Collection, Db, Document, ObjectId } from "mongodb";
import { ConfigurationError } from "../errors";
import type { OrganizationDocument, PlacementDocument, Tier } from "../db/documents";
import { cellDatabase } from "./clients";
import { legacyPlacement, NO_LEGACY_CELL } from "./legacy-placement";

// In a module without the cells' clients (legacy-placement.ts), for what db/client.ts runs on connect; still found here.
export { legacyPlacement, NEW_TENANT_NAMESPACES, NO_LEGACY_CELL, UNPLACED } from "./legacy-placement";

/**
 * A silo tenant's database: the cell's pool database name and the organization's id, so that a
 * rename never has to move it (MongoDB cannot rename a database) and what belongs to a cell is
 * recognisable by name. At most 38 + 1 + 24 = 63 bytes, within MongoDB's 64.
 */
export function siloDatabaseName(poolDatabase: string, organizationId: ObjectId): string {
  return `${poolDatabase}_${organizationId.toHexString()}`;
}

/** Whether a database name is one of this pool's silos. */
export function isSiloOf(poolDatabase: string, name: string): boolean {
  return name.startsWith(`${poolDatabase}_`) && /^[0-9a-f]{24}$/.test(name.slice(poolDatabase.length + 1));
}

/** Where a tenant of this tier goes in this cell. */
export function placementIn(
  cell: { readonly name: string; readonly database: string },
  tier: Tier,
  organizationId: ObjectId,
  namespaces: number,
): PlacementDocument {
  return {
    cell: cell.name,
    tier,
    database: tier === "pool" ? cell.database : siloDatabaseName(cell.database, organizationId),
    namespaces,
  };
}

export function placementOf(organization: Pick<OrganizationDocument, "placement">): PlacementDocument {
  const placement = organization.placement ?? legacyPlacement();
  if (!placement) throw new ConfigurationError(NO_LEGACY_CELL);
  return placement;
}

/** The database holding a tenant's collection, wherever its placement says. */
export function tenantDatabaseAt(placement: Pick<PlacementDocument, "cell" | "database">): Promise<Db> {
  return cellDatabase(placement.cell, placement.database);
}

/** The organization's tenant collection, where its record places it (or at `placement`: a move's other side). */
export async function tenantCollectionAt<T extends Document = Document>(
  organization: Pick<OrganizationDocument, "placement" | "collection_name">,
  placement: Pick<PlacementDocument, "cell" | "database"> = placementOf(organization),
): Promise<Collection<T>> {
  return (await tenantDatabaseAt(placement)).collection<T>(organization.collection_name);
}
