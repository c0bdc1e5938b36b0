import { config } from "../config";
import type { Database } from "../db/client";
import { NoCapacityError } from "../errors";
import type { CellConfig } from "../cell-config";
import { legacyPlacement, UNPLACED } from "./placement";

export interface CellUsage {
  readonly name: string;
  /** Namespaces the records place in the cell, and those moves hold there (a target being filled, a source not yet dropped). */
  readonly namespaces: number;
  /** Undefined: no budget. */
  readonly maxNamespaces: number | undefined;
}

/**
 * What every cell holds, summed from the organization records: each states its placement and the
 * namespaces it takes there, and a move under way reserves its target's too. The records are the
 * only count, so it is right after any crash: there is no counter to drift from them.
 */
export async function cellUsage(db: Database): Promise<CellUsage[]> {
  const [placed, moving, unplaced] = await Promise.all([
    db.organizations
      .aggregate<{ _id: string | null; namespaces: number }>([
        { $match: { "placement.cell": { $exists: true } } },
        { $group: { _id: "$placement.cell", namespaces: { $sum: "$placement.namespaces" } } },
      ])
      .toArray(),
    db.organizations
      .aggregate<{ _id: string; namespaces: number }>([
        { $match: { "move.reserved.cell": { $exists: true } } },
        { $group: { _id: "$move.reserved.cell", namespaces: { $sum: "$move.reserved.namespaces" } } },
      ])
      .toArray(),
    // Written by a version without cells since this container connected: placed as legacyPlacement says.
    db.organizations.countDocuments(UNPLACED),
  ]);
  const totals = new Map<string, number>();
  const add = (cell: string, namespaces: number) => totals.set(cell, (totals.get(cell) ?? 0) + namespaces);
  for (const group of [...placed, ...moving]) if (group._id !== null) add(group._id, group.namespaces);
  const legacy = legacyPlacement();
  if (legacy) add(legacy.cell, unplaced * legacy.namespaces);
  return config().cells.map((cell) => ({
    name: cell.name,
    namespaces: totals.get(cell.name) ?? 0,
    maxNamespaces: cell.maxNamespaces,
  }));
}

const freeIn = (usage: CellUsage): number =>
  usage.maxNamespaces === undefined ? Number.POSITIVE_INFINITY : usage.maxNamespaces - usage.namespaces;

/**
 * Summing the records reads all of them on FerretDB (and a scan's worth on any server), which would
 * make every sign-up as slow as the registry is large. So a container reuses a sum for up to
 * {@link FRESH_MS}, adding the tenants it placed since, but only to choose a cell with more room
 * than sign-ups can take in that time: API Gateway lets at most 5 + 2 × 10 creates through in
 * 10 s (the create route's burst and rate, packages/functions/src/routes.ts), two namespaces each,
 * across all containers. So a reused sum never lets a create past a budget; near one, the records
 * are summed afresh and the bound below holds as it is.
 */
const FRESH_MS = 10_000;
const WINDOW_NAMESPACES = 64;

let recent: { readonly at: number; readonly cells: string; readonly usage: CellUsage[] } | undefined;

function mostRoom(usage: readonly CellUsage[], needed: number): CellUsage | undefined {
  let best: CellUsage | undefined;
  for (const cell of usage) if (freeIn(cell) >= needed && (!best || freeIn(cell) > freeIn(best))) best = cell;
  return best;
}

/**
 * The cell a new tenant goes to: the one with the most free namespaces, ties to the earlier in
 * TENANT_CELLS; when none has `needed` left, 503 no-capacity. Checked, then written: creates that
 * run at once may each see the same room, so a cell may pass its budget by `needed` namespaces
 * for every create running beside the last one that fitted.
 */
export async function cellWithMostRoom(db: Database, needed: number): Promise<CellConfig> {
  const { cells } = config();
  // One cell without a budget (the default): nothing to choose, nothing to count.
  if (cells.length === 1 && cells[0]!.maxNamespaces === undefined) return cells[0]!;
  const key = JSON.stringify(cells.map((cell) => [cell.name, cell.maxNamespaces]));
  let best = recent?.cells === key && Date.now() - recent.at < FRESH_MS ? mostRoom(recent.usage, needed) : undefined;
  if (!best || freeIn(best) <= WINDOW_NAMESPACES) {
    recent = { at: Date.now(), cells: key, usage: await cellUsage(db) };
    best = mostRoom(recent.usage, needed);
  }
  if (!best) {
    throw new NoCapacityError(
      "Every cell has used its namespace budget: no organization can be created until one is raised or a cell is added.",
    );
  }
  // What this container places counts until the next sum.
  const chosen = best;
  recent!.usage.splice(recent!.usage.indexOf(chosen), 1, { ...chosen, namespaces: chosen.namespaces + needed });
  return cells.find((cell) => cell.name === chosen.name)!;
}

/** Whether a cell still has room for `needed` namespaces (a move's target), summed afresh; 503 no-capacity otherwise. */
export async function requireRoomIn(db: Database, cellName: string, needed: number): Promise<void> {
  const usage = (await cellUsage(db)).find((cell) => cell.name === cellName);
  if (usage && freeIn(usage) < needed) {
    throw new NoCapacityError(
      `The cell "${cellName}" has ${Math.max(0, freeIn(usage))} of its ${usage.maxNamespaces} namespaces free; the tenant needs ${needed}.`,
    );
  }
}
