import { recordAudit } from "../audit";
import { NEW_TENANT_NAMESPACES } from "../cells/placement";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { ID_INDEX, indexesOf } from "../db/indexes";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, QuotaExceededError, ValidationError, type FieldIssue } from "../errors";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";
import { withIndexesLock, withOrganizationLockWaiting } from "../organizations/lock";
import { type Actor, toObjectId } from "../organizations/model";
import { fieldPathProblem } from "./filter";
import { isPlainObject } from "./rules";
import { type TenantHandle, tenantCollectionOf } from "./tenant";

export interface TenantIndex {
  readonly name: string;
  readonly keys: Readonly<Record<string, 1 | -1>>;
  readonly unique: boolean;
}

export interface IndexInput {
  readonly keys: unknown;
  readonly unique?: boolean | undefined;
}

/** Fields an index may have. */
export const MAX_INDEX_FIELDS = 8;

/** The indexes of a tenant collection as the API shows them. */
export async function listIndexesOf({ collection }: Pick<TenantHandle, "collection">): Promise<TenantIndex[]> {
  return (await indexesOf(collection)).map(({ name, key, unique }) => ({
    name,
    keys: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, Number(v) < 0 ? -1 : 1])),
    unique,
  }));
}

/** The indexes the organization created on its collection (the one on `_id` not among them). */
export async function listIndexes(actor: Actor): Promise<TenantIndex[]> {
  return listIndexesOf(await tenantCollectionOf(actor, "data:indexes", "manage indexes", "read"));
}

/**
 * Every index is a namespace its cell holds, and the organization record is the count
 * (cells/capacity.ts). So index changes of one organization run one at a time, under their own
 * lock (organizations/lock.ts: they wait a little for one another, and never keep a member or a
 * credential change waiting), and each writes the count from the indexes the collection has: an
 * increment would lose counts on FerretDB, which reads, adds and writes back, and a count read
 * outside the lock could land after a newer one. The record is read again under the lock, so a
 * move that fenced the tenant meanwhile refuses the change.
 */
async function changeIndexes<T>(actor: Actor, change: (handle: TenantHandle) => Promise<T>): Promise<T> {
  const scope = "data:indexes";
  const action = "manage indexes";
  const { db, organization } = await tenantCollectionOf(actor, scope, action, "write");
  // Renewed while a build runs, so that a long one keeps it.
  return withIndexesLock(db, organization._id, async () =>
    change(await tenantCollectionOf(actor, scope, action, "write")),
  );
}

/** The count of namespaces, as the collection has `indexes` besides `_id`'s: where the placement still is. */
async function recordNamespaces({ db, organization }: TenantHandle, indexes: number): Promise<void> {
  const { placement } = organization;
  if (!placement) return;
  // Under the organization's lock as well, for this one write: FerretDB writes back the whole record
  // an update read, so a write of the count racing any other change of the record (a suspension, a
  // rename, metadata) would undo it. Only the write waits, never the index build.
  await withOrganizationLockWaiting(db, organization._id, () =>
    db.organizations.updateOne(
      { _id: organization._id, "placement.cell": placement.cell, "placement.database": placement.database },
      { $set: { "placement.namespaces": NEW_TENANT_NAMESPACES + indexes } },
    ),
  );
}

/** An index's keys as the API accepts them (a restored archive's too): fields by the data API's rules, 1 or -1 each. */
export function checkKeys(keys: unknown): Record<string, 1 | -1> {
  if (!isPlainObject(keys) || Object.keys(keys).length === 0) {
    throw new ValidationError([{ path: "keys", message: "must name at least one field: {field: 1 | -1}" }]);
  }
  const issues: FieldIssue[] = [];
  if (Object.keys(keys).length > MAX_INDEX_FIELDS) {
    issues.push({ path: "keys", message: `an index may have at most ${MAX_INDEX_FIELDS} fields` });
  }
  for (const [field, direction] of Object.entries(keys)) {
    const problem = fieldPathProblem(field);
    if (problem) issues.push({ path: `keys.${field}`, message: problem });
    else if (direction !== 1 && direction !== -1) issues.push({ path: `keys.${field}`, message: "must be 1 or -1" });
  }
  // The collection's own index serves `_id`, and is unique already; the server refuses a second.
  if (Object.keys(keys).length === 1 && "_id" in keys) {
    issues.push({ path: "keys._id", message: "is indexed already, uniquely: every collection has that index" });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return keys as Record<string, 1 | -1>;
}

/**
 * Create an index on the caller's collection (owners and admins): at most `TENANT_MAX_INDEXES`
 * besides `_id`'s (403 quota-exceeded past it; changes run one at a time, so never past it). A
 * unique index over values that repeat is a 409.
 */
export async function createIndex(actor: Actor, input: IndexInput, context: RequestContext = {}): Promise<TenantIndex> {
  const keys = checkKeys(input.keys);
  const unique = input.unique === true;
  return changeIndexes(actor, (handle) => createIndexUnderLock(handle, actor, keys, unique, context));
}

async function createIndexUnderLock(
  handle: TenantHandle,
  actor: Actor,
  keys: Record<string, 1 | -1>,
  unique: boolean,
  context: RequestContext,
): Promise<TenantIndex> {
  const existing = await listIndexesOf(handle);
  const name = Object.entries(keys)
    .map(([field, direction]) => `${field}_${direction}`)
    .join("_");
  const same = existing.find((index) => index.name === name);
  if (same) {
    // Names join fields and directions with `_`, so `{a_1_b: 1}` and `{a: 1, b: 1}` share one.
    if (JSON.stringify(Object.entries(same.keys)) !== JSON.stringify(Object.entries(keys))) {
      throw new ConflictError(`The index ${name} exists already, on other keys: drop it first.`, "keys");
    }
    if (same.unique === unique) return same;
    throw new ConflictError("An index on these keys exists already, with other options.", "keys");
  }
  const actingUserId = toObjectId(actor.userId);
  const { maxIndexes } = config().data;
  if (existing.length >= maxIndexes) {
    await recordAudit(
      handle.db,
      {
        action: "data.quota_exceeded",
        organizationId: handle.organization._id,
        ...(actingUserId && { userId: actingUserId }),
        ...(actor.clientId && { clientId: actor.clientId }),
        details: { quota: "max_indexes" },
      },
      context,
    );
    throw new QuotaExceededError("max_indexes", maxIndexes);
  }
  // Counted against the cell before it exists: a crash between leaves the count one too high, never
  // too low (the next index change, or a move, writes it as it is).
  await recordNamespaces(handle, existing.length + 1);
  // Proven by the index itself (the reconciler lists the collection's): one that failed to build
  // leaves an intent the reconciler drops.
  const change = await beginChange(
    handle.db,
    eventActorOf(actor),
    [
      {
        type: "index.created",
        organizationId: handle.organization._id,
        data: { name, keys: keyList(keys), unique },
        proof: { kind: "index", organization_id: handle.organization._id, name, present: true },
      },
    ],
    nowOf(context),
  );
  try {
    await handle.collection.createIndex(keys, { name, ...(unique && { unique: true }) });
  } catch (error) {
    await recordNamespaces(handle, (await listIndexesOf(handle)).length);
    if (isDuplicateKeyError(error)) {
      throw new ConflictError("Documents repeat a value of these keys: the index cannot be unique.", "keys", {
        cause: error,
        issue: "has repeated values",
      });
    }
    throw error;
  }
  await change.commit(handle.db);
  await recordNamespaces(handle, (await listIndexesOf(handle)).length);
  await recordAudit(
    handle.db,
    {
      action: "data.index_created",
      organizationId: handle.organization._id,
      ...(actingUserId && { userId: actingUserId }),
      ...(actor.clientId && { clientId: actor.clientId }),
      details: { name, unique },
    },
    context,
  );
  return { name, keys, unique };
}

/** Drop one of the caller's indexes by name (owners and admins); `_id_` is not theirs to drop. */
export async function dropIndex(actor: Actor, name: string, context: RequestContext = {}): Promise<{ dropped: true }> {
  if (name === ID_INDEX) throw new ValidationError([{ path: "name", message: "the index on _id cannot be dropped" }]);
  return changeIndexes(actor, (handle) => dropIndexUnderLock(handle, actor, name, context));
}

async function dropIndexUnderLock(
  handle: TenantHandle,
  actor: Actor,
  name: string,
  context: RequestContext,
): Promise<{ dropped: true }> {
  const existing = await listIndexesOf(handle);
  const dropping = existing.find((index) => index.name === name);
  if (!dropping) throw new NotFoundError("The collection has no index of this name.");
  const change = await beginChange(
    handle.db,
    eventActorOf(actor),
    [
      {
        type: "index.dropped",
        organizationId: handle.organization._id,
        data: { name, keys: keyList(dropping.keys), unique: dropping.unique },
        proof: { kind: "index", organization_id: handle.organization._id, name, present: false },
      },
    ],
    nowOf(context),
  );
  try {
    await handle.collection.dropIndex(name);
  } catch (error) {
    // Dropped by someone else meanwhile: as absent as can be.
    if (
      /index not found|can't find index/i.test((error as Error).message) ||
      (error as { code?: unknown }).code === 27
    ) {
      throw new NotFoundError("The collection has no index of this name.", { cause: error });
    }
    throw error;
  }
  await change.commit(handle.db);
  await recordNamespaces(handle, existing.length - 1);
  const actingUserId = toObjectId(actor.userId);
  await recordAudit(
    handle.db,
    {
      action: "data.index_dropped",
      organizationId: handle.organization._id,
      ...(actingUserId && { userId: actingUserId }),
      ...(actor.clientId && { clientId: actor.clientId }),
      details: { name },
    },
    context,
  );
  return { dropped: true };
}

export interface TenantUsage {
  readonly documentCount: number;
  readonly dataBytes: number;
  readonly indexCount: number;
  readonly quotas: { readonly maxDocuments: number; readonly maxDataBytes: number; readonly maxIndexes: number };
}

/**
 * An index's keys as an event tells them: a list of `{field, order}`, in the index's order. Not an
 * object: a field may be a dotted path, which no stored document may have as a key (the event is
 * stored), and a list keeps the order on any reader.
 */
function keyList(keys: Readonly<Record<string, 1 | -1>>): { field: string; order: 1 | -1 }[] {
  return Object.entries(keys).map(([field, order]) => ({ field, order }));
}
