import type { ObjectId } from "mongodb";
import { config } from "../config";
import type { Database } from "../db/client";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError } from "../errors";

/**
 * Run `change` while holding the organization's lock, so that changes of one organization never
 * interleave. A lock older than the grace period belongs to a request that died: it is taken
 * over. A crash leaves the lock behind, and the next taker (or the reconciler) finds it stale.
 */
export async function withOrganizationLock<T>(
  db: Database,
  organizationId: ObjectId,
  change: () => Promise<T>,
  graceSeconds = config().reconcileGraceSeconds,
): Promise<T> {
  const acquiredAt = await acquire(db, organizationId, graceSeconds);
  try {
    return await change();
  } finally {
    await db.locks.deleteOne({ _id: organizationId, acquired_at: acquiredAt });
  }
}

async function acquire(db: Database, organizationId: ObjectId, graceSeconds: number): Promise<Date> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const acquiredAt = new Date();
    try {
      await db.locks.insertOne({ _id: organizationId, acquired_at: acquiredAt });
      return acquiredAt;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const held = await db.locks.findOne({ _id: organizationId });
    if (held && !isOlderThanGrace(held.acquired_at, graceSeconds)) break;
    // Stale: remove exactly that lock (not one a competitor took meanwhile), then try once more.
    if (held) await db.locks.deleteOne({ _id: organizationId, acquired_at: held.acquired_at });
  }
  throw new OrganizationBusyError();
}

/** The organization's lock is held by a live request (or a move's worker): 409, try again shortly. */
export class OrganizationBusyError extends ConflictError {
  constructor(options?: ErrorOptions) {
    super("Another change to this organization is in progress; try again in a moment.", "organization_name", options);
  }
}

/** At least the grace period old, as the reconciler counts it (a zero grace takes over any lock). */
function isOlderThanGrace(time: Date, graceSeconds: number): boolean {
  return time.getTime() <= Date.now() - 1000 * graceSeconds;
}
