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

/**
 * The data-moving parts of a tenant move, each safe to run again after a crash: copying the
 * indexes, copying documents in `_id` order from where the last batch ended, and the digest that
 * proves both sides hold the same documents.
 */

/** Documents read with their BSON types kept (a double stays a double), so a copy changes nothing. */
const AS_STORED = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

/** Create the target collection and every index of the source on it; what exists already is kept. */
export async function copyIndexes(source: Collection, target: Collection, targetDatabase: Db): Promise<number> {
  try {
    await targetDatabase.createCollection(target.collectionName);
  } catch (error) {
    if (!isNamespaceExistsError(error)) throw error;
  }
  let copied = 0;
  for (const index of await source.listIndexes().toArray()) {
    if (index.name === "_id_") continue;
    const { key, name, unique, sparse } = index as { key: Document; name: string; unique?: boolean; sparse?: boolean };
    // One index per command: FerretDB v1 drops the connection when one names several that exist (db/client.ts).
    await target.createIndex(key, { name, ...(unique && { unique: true }), ...(sparse && { sparse: true }) });
    copied++;
  }
  return copied;
}

/**
 * BSON's order of types, as `$type` names: `_id`s of different types sort by it, but a range query
 * (`$gt`) matches only its own type, so resuming after an `_id` also takes every later type.
 */
const TYPE_ORDER: readonly (readonly string[])[] = [
  ["minKey"],
  ["null", "undefined"],
  ["double", "int", "long", "decimal"],
  ["symbol", "string"],
  ["object"],
  ["binData"],
  ["objectId"],
  ["bool"],
  ["date"],
  ["timestamp"],
  ["regex"],
  ["maxKey"],
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

/**
 * Types FerretDB v1 can neither store nor name in `$type` ("Unknown type name alias"): where the
 * server refuses them, no document can be of them, so leaving them out of the filter loses nothing.
 */
const NOT_ON_FERRETDB = new Set(["minKey", "undefined", "decimal", "symbol", "maxKey"]);

/** The server refused a `$type` alias it does not know (FerretDB v1). */
function isUnknownTypeError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  // An Int32 here: the find reads with promoteValues off, the server's answer too.
  return Number(code) === 2 && typeof message === "string" && /type name alias/i.test(message);
}

/** The documents after `lastId` in `_id` order, whatever their types (`knownTypesOnly`: those FerretDB v1 has). */
export function after(lastId: unknown, knownTypesOnly = false): Filter<Document> {
  const later = TYPE_ORDER.slice(typeGroupOf(lastId) + 1)
    .flat()
    .filter((type) => !(knownTypesOnly && NOT_ON_FERRETDB.has(type)));
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
  const read = (filter: Filter<Document>) => source.find(filter, AS_STORED).sort({ _id: 1 }).limit(size).toArray();
  let batch: Document[];
  try {
    batch = await read(lastId === undefined ? {} : after(lastId));
  } catch (error) {
    if (lastId === undefined || !isUnknownTypeError(error)) throw error;
    batch = await read(after(lastId, true));
  }
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

/** Count and order-independent hash of every document, each hashed as the bytes the server holds. */
export async function digestOf(collection: Collection): Promise<Digest> {
  const modulus = 1n << 256n;
  let sum = 0n;
  let count = 0;
  for await (const raw of collection.find({}, { raw: true })) {
    const digest = createHash("sha256")
      .update(raw as unknown as Uint8Array)
      .digest("hex");
    sum = (sum + BigInt(`0x${digest}`)) % modulus;
    count++;
  }
  return { count, hash: sum.toString(16).padStart(64, "0") };
}
