import { recordAudit } from "../audit";
import { config } from "../config";
import type { RequestContext } from "../context";
import { ID_INDEX, indexesOf } from "../db/indexes";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, QuotaExceededError, ValidationError, type FieldIssue } from "../errors";
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
 * Every index is a namespace its cell holds: the organization record counts them (cells/capacity.ts).
 * A move copies them at the count it started with; index changes wait for it (they are writes).
 */
async function countNamespaces({ db, organization }: TenantHandle, change: 1 | -1): Promise<void> {
  const { placement } = organization;
  if (!placement) return;
  // Only where the index is: after a move has switched, the target was counted as it is.
  await db.organizations.updateOne(
    { _id: organization._id, "placement.cell": placement.cell, "placement.database": placement.database },
    { $inc: { "placement.namespaces": change } },
  );
}

function checkKeys(keys: unknown): Record<string, 1 | -1> {
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
  if (issues.length > 0) throw new ValidationError(issues);
  return keys as Record<string, 1 | -1>;
}

/**
 * Create an index on the caller's collection (owners and admins): at most `TENANT_MAX_INDEXES`
 * besides `_id`'s (403 quota-exceeded past it). The count is checked before the create, so two
 * creates at once may pass the limit by one. A unique index over values that repeat is a 409.
 */
export async function createIndex(actor: Actor, input: IndexInput, context: RequestContext = {}): Promise<TenantIndex> {
  const keys = checkKeys(input.keys);
  const unique = input.unique === true;
  const handle = await tenantCollectionOf(actor, "data:indexes", "manage indexes", "write");
  const existing = await listIndexesOf(handle);
  const name = Object.entries(keys)
    .map(([field, direction]) => `${field}_${direction}`)
    .join("_");
  const same = existing.find((index) => index.name === name);
  if (same) {
    if (same.unique === unique) return same;
    throw new ConflictError("An index on these keys exists already, with other options.", "keys");
  }
  const adminId = toObjectId(actor.userId);
  const { maxIndexes } = config().data;
  if (existing.length >= maxIndexes) {
    await recordAudit(
      handle.db,
      {
        action: "data.quota_exceeded",
        organizationId: handle.organization._id,
        ...(adminId && { adminId }),
        details: { quota: "max_indexes" },
      },
      context,
    );
    throw new QuotaExceededError("max_indexes", maxIndexes);
  }
  // Counted against the cell before it exists: a crash between leaves the count one too high, never too low.
  await countNamespaces(handle, 1);
  try {
    await handle.collection.createIndex(keys, { name, ...(unique && { unique: true }) });
  } catch (error) {
    await countNamespaces(handle, -1);
    if (isDuplicateKeyError(error)) {
      throw new ConflictError("Documents repeat a value of these keys: the index cannot be unique.", "keys", {
        cause: error,
        issue: "has repeated values",
      });
    }
    throw error;
  }
  await recordAudit(
    handle.db,
    {
      action: "data.index_created",
      organizationId: handle.organization._id,
      ...(adminId && { adminId }),
      details: { name, unique },
    },
    context,
  );
  return { name, keys, unique };
}

/** Drop one of the caller's indexes by name (owners and admins); `_id_` is not theirs to drop. */
export async function dropIndex(actor: Actor, name: string, context: RequestContext = {}): Promise<{ dropped: true }> {
  if (name === ID_INDEX) throw new ValidationError([{ path: "name", message: "the index on _id cannot be dropped" }]);
  const handle = await tenantCollectionOf(actor, "data:indexes", "manage indexes", "write");
  const existing = await listIndexesOf(handle);
  if (!existing.some((index) => index.name === name))
    throw new NotFoundError("The collection has no index of this name.");
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
  await countNamespaces(handle, -1);
  const adminId = toObjectId(actor.userId);
  await recordAudit(
    handle.db,
    {
      action: "data.index_dropped",
      organizationId: handle.organization._id,
      ...(adminId && { adminId }),
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
