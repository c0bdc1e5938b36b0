import type { ObjectId } from "mongodb";
import { config } from "../config";
import type { Database } from "../db/client";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError } from "../errors";

/**
 * What a lock document's `_id` is: an organization's id for its lock, or `<id>:<purpose>` for a
 * narrower one ({@link withIndexesLock}).
 */
type LockKey = ObjectId | string;

/**
 * Run `change` while holding the organization's lock, so that changes of one organization never
 * interleave. A lock older than the grace period belongs to a request that died: it is taken
 * over. A crash leaves the lock behind, and the next taker (or the reconciler) finds it stale.
 * A live holder makes this a 409.
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

/** A lock held across long work: renewed while it runs, and checked before anything that cannot be taken back. */
export interface Lease {
  /** Throws LeaseLostError when the lock is no longer this holder's (taken over as stale). */
  assertHeld(): Promise<void>;
}

export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(options?: ErrorOptions) {
    super("The organization's lock was taken over by another worker; this one stops.", options);
  }
}

/**
 * As withOrganizationLock, for work that may outlast the grace period (a tenant move's copy or
 * verification): the lock is renewed every quarter of the grace period while `change` runs, so no
 * other worker (nor the reconciler) takes it as abandoned, and `change` checks it still holds it
 * before each step that could not be taken back.
 */
export function withRenewedOrganizationLock<T>(
  db: Database,
  organizationId: ObjectId,
  change: (lease: Lease) => Promise<T>,
  graceSeconds = config().reconcileGraceSeconds,
): Promise<T> {
  return withRenewedLock(db, organizationId, change, graceSeconds);
}

/** How long an index change waits for another one of the organization to end. */
const INDEXES_LOCK_WAIT_MS = 5_000;

/**
 * The lock of an organization's index changes alone, held one at a time and renewed like a move's
 * (an index build on a large collection may outlast the grace period), waiting up to 5 s for
 * another index change instead of refusing at once. Other changes of the organization (members,
 * credentials, renames) take the organization's lock and are never kept waiting by an index build;
 * a move that starts meanwhile finds a late index when it verifies (cells/move.ts).
 */
export function withIndexesLock<T>(
  db: Database,
  organizationId: ObjectId,
  change: (lease: Lease) => Promise<T>,
): Promise<T> {
  return withRenewedLock(db, `${organizationId.toHexString()}:indexes`, change, config().reconcileGraceSeconds, {
    waitMs: INDEXES_LOCK_WAIT_MS,
    busy: () =>
      new ConflictError("Another index change of this organization is in progress; try again in a moment.", "keys"),
  });
}

/** How long an operator's change of an organization waits for another change of it to end. */
const OPERATOR_LOCK_WAIT_MS = 5_000;

/**
 * The organization's lock, waited for up to 5 s instead of refused at once: for the operator's
 * changes (suspending, reactivating), which must be applied in some order when several arrive
 * together rather than bounce.
 */
export function withOrganizationLockWaiting<T>(
  db: Database,
  organizationId: ObjectId,
  change: () => Promise<T>,
): Promise<T> {
  return withRenewedLock(db, organizationId, change, config().reconcileGraceSeconds, {
    waitMs: OPERATOR_LOCK_WAIT_MS,
    busy: () => new OrganizationBusyError(),
  });
}

/** How long a change of an organization's domains waits for another one of them to end. */
const DOMAINS_LOCK_WAIT_MS = 2_000;

/**
 * The lock of an organization's email domains (domains/): a claim (counted against the limit), a
 * verification (one DNS lookup at a time per organization), a release and a re-check run one at
 * a time, so that none of them writes over what another decided. Other changes of the
 * organization never wait for it. `waitMs: 0` (the reconciler) gives up at once when it is held.
 */
export function withDomainsLock<T>(
  db: Database,
  organizationId: ObjectId,
  change: () => Promise<T>,
  waitMs = DOMAINS_LOCK_WAIT_MS,
): Promise<T> {
  return withRenewedLock(db, `${organizationId.toHexString()}:domains`, change, config().reconcileGraceSeconds, {
    waitMs,
    busy: () =>
      new ConflictError(
        "Another change of this organization's domains is in progress; try again in a moment.",
        "domain",
      ),
  });
}

/** How long a change of a user's credentials waits for another one of the same user to end. */
const CREDENTIALS_LOCK_WAIT_MS = 5_000;

/**
 * The lock of one user's credentials: a password change, a password reset and a confirmed email
 * change of one user run one at a time, each reading the version it bumps while holding it (two at
 * once would both write the same next version, and the second would keep sessions the first ends).
 */
export function withCredentialsLock<T>(db: Database, userId: ObjectId, change: () => Promise<T>): Promise<T> {
  return withRenewedLock(db, `credentials:${userId.toHexString()}`, change, config().reconcileGraceSeconds, {
    waitMs: CREDENTIALS_LOCK_WAIT_MS,
    busy: () =>
      new ConflictError(
        "Another change of this account's credentials is in progress; try again in a moment.",
        "password",
      ),
  });
}

async function withRenewedLock<T>(
  db: Database,
  key: LockKey,
  change: (lease: Lease) => Promise<T>,
  graceSeconds: number,
  waiting?: { readonly waitMs: number; readonly busy: () => Error },
): Promise<T> {
  const acquiredAt = waiting
    ? await acquireWithin(db, key, graceSeconds, waiting.waitMs).catch((error: unknown) => {
        throw error instanceof OrganizationBusyError ? waiting.busy() : error;
      })
    : await acquire(db, key, graceSeconds);
  const mine = { _id: key, acquired_at: acquiredAt };
  const renewal = setInterval(
    () => void db.locks.updateOne(mine, { $set: { renewed_at: new Date() } }).catch(() => undefined),
    Math.max(250, (graceSeconds * 1000) / 4),
  );
  renewal.unref();
  const lease: Lease = {
    async assertHeld() {
      if ((await db.locks.countDocuments(mine, { limit: 1 })) === 0) throw new LeaseLostError();
    },
  };
  try {
    return await change(lease);
  } finally {
    clearInterval(renewal);
    await db.locks.deleteOne(mine);
  }
}

/** Between two tries for a held lock: short, and spread so that waiters do not try in step. */
const RETRY_MS = { min: 20, spread: 60 };

async function acquireWithin(db: Database, key: LockKey, graceSeconds: number, waitMs: number): Promise<Date> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await acquire(db, key, graceSeconds);
    } catch (error) {
      if (!(error instanceof OrganizationBusyError) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS.min + Math.random() * RETRY_MS.spread));
  }
}

async function acquire(db: Database, key: LockKey, graceSeconds: number): Promise<Date> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const acquiredAt = new Date();
    try {
      await db.locks.insertOne({ _id: key, acquired_at: acquiredAt });
      return acquiredAt;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const held = await db.locks.findOne({ _id: key });
    if (held && !isOlderThanGrace(held.renewed_at ?? held.acquired_at, graceSeconds)) break;
    // Stale: remove exactly that lock (not one a competitor took meanwhile), then try once more.
    if (held) await db.locks.deleteOne({ _id: key, acquired_at: held.acquired_at });
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
