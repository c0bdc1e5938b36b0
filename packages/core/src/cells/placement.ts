import type { Collection, Db, Document, ObjectId } from "mongodb";
import { config } from "../config";
import { ConfigurationError } from "../errors";
import type { OrganizationDocument, PlacementDocument, Tier } from "../db/documents";
import { cellDatabase } from "./clients";

/** The namespaces a new tenant takes: its collection and the index on `_id`. */
export const NEW_TENANT_NAMESPACES = 2;

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

/**
 * Where records from before cells are: the pool of MONGODB_TENANT_DB on MONGODB_URI — the cell
 * made of exactly those two (the default cell when TENANT_CELLS is unset). Undefined when
 * TENANT_CELLS lists no such cell: a guess could name another cluster.
 */
export function legacyPlacement(): PlacementDocument | undefined {
  const { cells, mongodbUri, tenantDbName } = config();
  const cell = cells.find((candidate) => candidate.uri === mongodbUri && candidate.database === tenantDbName);
  return cell && { cell: cell.name, tier: "pool", database: tenantDbName, namespaces: NEW_TENANT_NAMESPACES };
}

/**
 * Records without a placement (from before cells), found through the `placement.cell` index, whose
 * entries for a missing field are null: so the check each connect makes reads no record on MongoDB.
 */
export const UNPLACED = { "placement.cell": null } as const;

/** The message when records from before cells exist and no cell is where they are. */
export const NO_LEGACY_CELL =
  "Organizations from before cells have their collections in MONGODB_TENANT_DB on MONGODB_URI, and no cell of TENANT_CELLS is that database on that connection string: list it, with the same string.";

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
