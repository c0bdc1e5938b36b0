import { config } from "../config";
import type { PlacementDocument } from "../db/documents";

/** The namespaces a new tenant takes: its collection and the index on `_id`. */
export const NEW_TENANT_NAMESPACES = 2;

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
