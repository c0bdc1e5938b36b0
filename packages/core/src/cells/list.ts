import { database } from "../db/client";
import type { Tier } from "../db/documents";
import { VISIBLE } from "../organizations/model";
import { cellUsage } from "./capacity";
import { placementOf } from "./placement";

export interface CellTenant {
  readonly organizationName: string;
  readonly tier: Tier;
  readonly namespaces: number;
  /** A move under way out of or into this cell: where to, and its last step. */
  readonly moving?: { readonly from: string; readonly to: string; readonly step: string };
}

export interface CellListing {
  readonly name: string;
  readonly namespaces: number;
  /** Undefined: no budget. */
  readonly maxNamespaces: number | undefined;
  readonly tenants: readonly CellTenant[];
}

/** Every cell with the namespaces it holds against its budget and the tenants placed in it (or moving into it). */
export async function listCells(): Promise<CellListing[]> {
  const db = await database();
  const usage = await cellUsage(db);
  const tenants = new Map<string, CellTenant[]>(usage.map((cell) => [cell.name, []]));
  const records = db.organizations.find(VISIBLE, { projection: { name: 1, placement: 1, move: 1 } }).sort({ slug: 1 });
  for await (const organization of records) {
    const placement = placementOf(organization);
    const move = organization.move;
    const moving = move && {
      from: `${move.from.cell} (${move.from.tier})`,
      to: `${move.to.cell} (${move.to.tier})`,
      step: move.step,
    };
    const entry = { organizationName: organization.name, tier: placement.tier, namespaces: placement.namespaces };
    tenants.get(placement.cell)?.push({ ...entry, ...(moving && { moving }) });
    if (move && move.reserved.cell !== placement.cell) {
      tenants.get(move.reserved.cell)?.push({ ...entry, tier: move.reserved.tier, moving: moving! });
    }
  }
  return usage.map((cell) => ({
    name: cell.name,
    namespaces: cell.namespaces,
    maxNamespaces: cell.maxNamespaces,
    tenants: tenants.get(cell.name) ?? [],
  }));
}
