import { config } from "../config";
import type { Database } from "../db/client";
import { NoCapacityError } from "../errors";
import type { CellConfig } from "./cell-config";
import { legacyPlacement } from "./placement";

export interface CellUsage {
  readonly name: string;
  /** Namespaces the records place in the cell, and those moves hold there (a target being filled, a source not yet dropped). */
  readonly namespaces: number;
  /** Undefined: no budget. */
  readonly maxNamespaces: number | undefined;
  readonly tenants: number;
}

/**
 * What every cell holds, summed from the organization records: each states its placement and the
 * namespaces it takes there, and a move under way reserves its target's too. The records are the
 * only count, so it is right after any crash: there is no counter to drift from them.
 */
export async function cellUsage(db: Database): Promise<CellUsage[]> {
  const [placed, moving] = await Promise.all([
    db.organizations
      .aggregate<{ _id: string | null; namespaces: number; tenants: number }>([
        { $group: { _id: "$placement.cell", namespaces: { $sum: "$placement.namespaces" }, tenants: { $sum: 1 } } },
      ])
      .toArray(),
    db.organizations
      .aggregate<{ _id: string; namespaces: number }>([
        { $match: { "move.reserved.cell": { $exists: true } } },
        { $group: { _id: "$move.reserved.cell", namespaces: { $sum: "$move.reserved.namespaces" } } },
      ])
      .toArray(),
  ]);
  const legacy = legacyPlacement();
  const totals = new Map<string, { namespaces: number; tenants: number }>();
  const add = (cell: string, namespaces: number, tenants: number) => {
    const total = totals.get(cell) ?? { namespaces: 0, tenants: 0 };
    totals.set(cell, { namespaces: total.namespaces + namespaces, tenants: total.tenants + tenants });
  };
  for (const group of placed) {
    // Written by a version without cells since this container connected: as legacyPlacement says.
    if (group._id === null) add(legacy.cell, group.tenants * legacy.namespaces, group.tenants);
    else add(group._id, group.namespaces, group.tenants);
  }
  for (const group of moving) add(group._id, group.namespaces, 0);
  return config().cells.map((cell) => ({
    name: cell.name,
    namespaces: totals.get(cell.name)?.namespaces ?? 0,
    maxNamespaces: cell.maxNamespaces,
    tenants: totals.get(cell.name)?.tenants ?? 0,
  }));
}

const freeIn = (usage: CellUsage): number =>
  usage.maxNamespaces === undefined ? Number.POSITIVE_INFINITY : usage.maxNamespaces - usage.namespaces;

/**
 * The cell a new tenant goes to: the one with the most free namespaces, ties to the earlier in
 * TENANT_CELLS; when none has `needed` left, 503 no-capacity. Checked, then written: creates that
 * run at once may each see the same headroom, so a cell may pass its budget by `needed` namespaces
 * for every create running beside the last one that fitted.
 */
export async function cellWithMostRoom(db: Database, needed: number): Promise<CellConfig> {
  const { cells } = config();
  // One cell without a budget (the default): nothing to choose, nothing to count.
  if (cells.length === 1 && cells[0]!.maxNamespaces === undefined) return cells[0]!;
  const usage = await cellUsage(db);
  let best: CellUsage | undefined;
  for (const cell of usage) if (freeIn(cell) >= needed && (!best || freeIn(cell) > freeIn(best))) best = cell;
  if (!best) {
    throw new NoCapacityError(
      "Every cell has used its namespace budget: no organization can be created until one is raised or a cell is added.",
    );
  }
  return config().cells.find((cell) => cell.name === best.name)!;
}

/** Whether a cell still has room for `needed` namespaces (a move's target); refuses with 503 no-capacity otherwise. */
export async function requireRoomIn(db: Database, cellName: string, needed: number): Promise<void> {
  const usage = (await cellUsage(db)).find((cell) => cell.name === cellName);
  if (usage && freeIn(usage) < needed) {
    throw new NoCapacityError(
      `The cell "${cellName}" has ${Math.max(0, freeIn(usage))} of its ${usage.maxNamespaces} namespaces free; the tenant needs ${needed}.`,
    );
  }
}
