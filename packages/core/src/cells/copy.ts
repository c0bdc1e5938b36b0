import { createHash } from "node:crypto";
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  type Collection,
  type Db,
  type Document,
  type Filter,
} from "mongodb";
import { isDuplicateKeyError, isNamespaceExistsError } from "../db/mongo-errors";
import { type IndexSpec, indexesOf } from "../db/indexes";

/**
 * The data-moving parts of a tenant move, each safe to run again after a crash: copying the
 * indexes, copying documents in `_id` order from where the last batch ended, and the digest that
 * proves both sides hold the same documents.
 */

/** Documents read with their BSON types kept (a double stays a double), so a copy changes nothing. */
export const AS_STORED = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

/** The same indexes, the same way: what the verification compares. */
export const sameIndexes = (a: readonly IndexSpec[], b: readonly IndexSpec[]): boolean => {
  const inOrder = (specs: readonly IndexSpec[]) =>
    JSON.stringify([...specs].sort((x, y) => x.name.localeCompare(y.name)));
  return inOrder(a) === inOrder(b);
};

/**
 * Create the target collection and make its indexes the source's: the missing ones created, any
 * other dropped (a repeat after the source changed, when a verification found the sides apart).
 * Answers how many indexes the target has besides `_id`'s.
 */
export async function copyIndexes(source: Collection, target: Collection, targetDatabase: Db): Promise<number> {
  try {
    await targetDatabase.createCollection(target.collectionName);
  } catch (error) {
    if (!isNamespaceExistsError(error)) throw error;
  }
  const wanted = await indexesOf(source);
  for (const index of await indexesOf(target)) {
    if (!wanted.some((other) => sameIndexes([other], [index]))) await target.dropIndex(index.name);
  }
  for (const { key, name, unique, sparse } of wanted) {
    // One index per command: FerretDB v1 drops the connection when one names several that exist (db/client.ts).
    await target.createIndex(key, { name, ...(unique && { unique: true }), ...(sparse && { sparse: true }) });
  }
  return wanted.length;
}

/**
 * BSON's order of types, as `$type` names: `_id`s of different types sort by it, but a range query
 * (`$gt`) matches only its own type, so resuming after an `_id` also takes every later type. Only
 * the names FerretDB knows too (no minKey, maxKey, symbol or decimal, which no `_id` here has).
 */
const TYPE_ORDER: readonly (readonly string[])[] = [
  [],
  ["null"],
  ["double", "int", "long"],
  ["string"],
  ["object"],
  ["binData"],
  ["objectId"],
  ["bool"],
  ["date"],
  ["timestamp"],
  ["regex"],
  [],
];

function typeGroupOf(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === "number" || value instanceof Double || value instanceof Int32) return 2;
  if (value instanceof Long || value instanceof Decimal128) return 2;
  if (typeof value === "string") return 3;
  if (value instanceof Binary) return 5;
  if (value instanceof ObjectId) return 6;
  if (typeof value === "boolean") return 7;
  if (value instanceof Date) return 8;
  const bsontype = (value as { _bsontype?: string })._bsontype;
  if (bsontype === "Timestamp") return 9;
  if (bsontype === "BSONRegExp" || value instanceof RegExp) return 10;
  if (bsontype === "MaxKey") return 11;
  if (bsontype === "MinKey") return 0;
  return 4;
}

/** The documents after `lastId` in `_id` order, whatever their types. */
export function after(lastId: unknown): Filter<Document> {
  const later = TYPE_ORDER.slice(typeGroupOf(lastId) + 1).flat();
  const next = { _id: { $gt: lastId } };
  return (later.length === 0 ? next : { $or: [next, { _id: { $type: later } }] }) as Filter<Document>;
}

/**
 * Copy the next batch after `lastId` (from the start when undefined). Inserting a document already
 * copied (a batch repeated after a crash) is a duplicate `_id` and skipped. Answers how many it
 * read and the last `_id`, or `undefined` when nothing is left.
 */
export async function copyBatch(
  source: Collection,
  target: Collection,
  lastId: unknown,
  size: number,
): Promise<{ read: number; lastId: unknown } | undefined> {
  const filter = lastId === undefined ? {} : after(lastId);
  const batch = await source.find(filter, AS_STORED).sort({ _id: 1 }).limit(size).toArray();
  if (batch.length === 0) return undefined;
  try {
    await target.insertMany(batch, { ordered: false });
  } catch (error) {
    if (!everyFailureIsDuplicate(error)) throw error;
  }
  return { read: batch.length, lastId: batch.at(-1)!._id };
}

function everyFailureIsDuplicate(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeErrors.every(isDuplicateKeyError);
  if (writeErrors && typeof writeErrors === "object") return Object.values(writeErrors).every(isDuplicateKeyError);
  return isDuplicateKeyError(error);
}

export interface Digest {
  readonly count: number;
  /** The sum of every document's SHA-256 (mod 2^256): the same for the same documents in any order. */
  readonly hash: string;
}

/**
 * The order-independent hash, a document at a time: each document's SHA-256, of the bytes the
 * server holds, added up. What a move compares on both sides and what an export's manifest names.
 */
export class DigestSum {
  private static readonly MODULUS = 1n << 256n;
  private sum = 0n;
  private count = 0;

  add(raw: Uint8Array): void {
    const digest = createHash("sha256").update(raw).digest("hex");
    this.sum = (this.sum + BigInt(`0x${digest}`)) % DigestSum.MODULUS;
    this.count++;
  }

  digest(): Digest {
    return { count: this.count, hash: this.sum.toString(16).padStart(64, "0") };
  }
}

/** Count and order-independent hash of every document, each hashed as the bytes the server holds. */
export async function digestOf(collection: Collection): Promise<Digest> {
  const sum = new DigestSum();
  for await (const raw of collection.find({}, { raw: true })) sum.add(raw as unknown as Uint8Array);
  return sum.digest();
}
