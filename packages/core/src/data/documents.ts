import { pageLimit, pageOf } from "../paging";
import { ObjectId } from "mongodb";
import type { RequestContext } from "../context";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, TooLargeError, ValidationError, type FieldIssue } from "../errors";
import { config } from "../config";
import type { Actor } from "../organizations/model";
import { parseFilterText, fieldPathProblem } from "./filter";
import { listIndexesOf } from "./indexes";
import { checkQuota } from "./quota";
import {
  bsonSize,
  checkDocument,
  checkSize,
  isDocumentId,
  isPlainObject,
  MAX_DEPTH,
  maxArrayLength,
  valueIssues,
} from "./rules";
import { tenantCollectionOf, type TenantDocument, type TenantHandle } from "./tenant";

/** A stored document as the API answers it: its fields as stored, `_id` always a string. */
export type StoredDocument = Record<string, unknown> & { readonly _id: string };

export const DOCUMENTS_PAGE_MAX = 100;
const DOCUMENTS_PAGE_DEFAULT = 50;

const notFound = () => new NotFoundError("No document of this organization has this id.");

/** `_id` as the API shows it: a string, whether stored as one or (written by other means) as an ObjectId. */
function toStored(document: TenantDocument): StoredDocument {
  const id = document._id instanceof ObjectId ? document._id.toHexString() : String(document._id);
  return { ...document, _id: id };
}

function hasPath(document: Record<string, unknown>, path: string): boolean {
  let node: unknown = document;
  for (const segment of path.split(".")) {
    if (!isPlainObject(node) || !(segment in node)) return false;
    node = node[segment];
  }
  return true;
}

/** One path is the other or reaches into it. */
const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/**
 * The 409 for a write a unique index refused: the index the server names (MongoDB says
 * `index: email_1`), or else — FerretDB's storage errors name no index the API knows — the first
 * unique index of the collection over a field the write gave a value.
 */
async function uniqueIndexConflict(
  handle: TenantHandle,
  /** Whether the write gave the field a value. */
  writes: (field: string) => boolean,
  error: unknown,
): Promise<ConflictError> {
  const named = error instanceof Error ? /index: (\S+)/.exec(error.message)?.[1] : undefined;
  if (named === "_id_") return new ConflictError("A document with this _id exists already.", "_id", { cause: error });
  const unique = (await listIndexesOf(handle)).filter((index) => index.unique);
  const index =
    unique.find((candidate) => candidate.name === named) ??
    unique.find((candidate) => Object.keys(candidate.keys).some(writes)) ??
    unique[0];
  // No unique index left to name (dropped meanwhile): the problem's path is the document's root.
  if (!index) return new ConflictError("Another document has the same value of a unique index.", "", { cause: error });
  const fields = Object.keys(index.keys).join(", ");
  return new ConflictError(`Another document has the same ${fields} (unique index ${index.name}).`, fields, {
    cause: error,
    issue: `is already taken (unique index ${index.name})`,
  });
}

/**
 * The filters an id from a path matches, in the order to try them: the string (every document this
 * API writes), then the ObjectId of the same hex (documents written by other means). One equality
 * at a time rather than one `$in`: FerretDB serves an equality from an index and scans for `$in`.
 */
function idFilters(id: string): { _id: string | ObjectId }[] {
  return /^[0-9a-f]{24}$/.test(id) ? [{ _id: id }, { _id: new ObjectId(id) }] : [{ _id: id }];
}

/** The document with this id from a path, or null. */
async function findById(collection: TenantHandle["collection"], id: string, projection?: Record<string, 1>) {
  for (const filter of idFilters(id)) {
    const found = await collection.findOne(filter, projection && { projection });
    if (found) return found;
  }
  return null;
}

/**
 * Store one document in the caller's collection. `_id` is the client's (1–128 of `[A-Za-z0-9_.:-]`)
 * or a new ObjectId's hex, stored as a string; a taken one is a 409.
 */
export async function insertDocument(
  actor: Actor,
  body: unknown,
  context: RequestContext = {},
): Promise<StoredDocument> {
  const input = checkDocument(body, { idAllowed: true });
  const document = { ...input, _id: (input._id as string | undefined) ?? new ObjectId().toHexString() };
  const size = checkSize(document);
  const handle = await tenantCollectionOf(actor, "data:write", "write documents", "write");
  await checkQuota(handle, actor, { documents: 1, bytes: size }, context);
  try {
    await handle.collection.insertOne(document);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const taken = await findById(handle.collection, document._id, { _id: 1 });
    if (taken) throw new ConflictError("A document with this _id exists already.", "_id", { cause: error });
    throw await uniqueIndexConflict(handle, (field) => hasPath(document, field), error);
  }
  return document;
}

export async function getDocument(actor: Actor, id: string): Promise<StoredDocument> {
  if (!isDocumentId(id)) throw notFound();
  const { collection } = await tenantCollectionOf(actor, "data:read", "read documents", "read");
  const document = await findById(collection, id);
  if (!document) throw notFound();
  return toStored(document);
}

/** Replace a document whole (its `_id` stays); 404 when there is none. */
export async function replaceDocument(
  actor: Actor,
  id: string,
  body: unknown,
  context: RequestContext = {},
): Promise<StoredDocument> {
  const input = checkDocument(body, { idAllowed: true });
  if (input._id !== undefined && input._id !== id) {
    throw new ValidationError([{ path: "_id", message: "must be the id in the path, when given" }]);
  }
  const replacement = { ...input };
  delete replacement._id;
  const size = checkSize({ _id: id, ...replacement });
  if (!isDocumentId(id)) throw notFound();
  const handle = await tenantCollectionOf(actor, "data:write", "write documents", "write");
  const current = await findById(handle.collection, id);
  if (!current) throw notFound();
  await checkQuota(handle, actor, { documents: 0, bytes: size - bsonSize(current) }, context);
  let result: Awaited<ReturnType<typeof handle.collection.replaceOne>>;
  try {
    result = await handle.collection.replaceOne({ _id: current._id }, replacement);
  } catch (error) {
    if (isDuplicateKeyError(error))
      throw await uniqueIndexConflict(handle, (field) => hasPath(replacement, field), error);
    throw error;
  }
  if (result.matchedCount === 0) throw notFound();
  return toStored({ ...replacement, _id: current._id });
}

const PATCH_OPERATORS = new Set(["$set", "$unset"]);

/** A `{$set, $unset}` patch, checked: field paths, values, no `_id`, no path both set and unset or inside another. */
function checkPatch(body: unknown): { set: Record<string, unknown>; unset: string[] } {
  if (!isPlainObject(body)) throw new ValidationError([{ path: "", message: "must be a JSON object" }]);
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(body)) {
    if (!PATCH_OPERATORS.has(key)) {
      issues.push({ path: key, message: `the update operator ${key} is not supported (only $set and $unset)` });
    } else if (!isPlainObject(body[key])) {
      issues.push({ path: key, message: `${key} takes an object of field paths` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const set = (body.$set ?? {}) as Record<string, unknown>;
  const unset = Object.keys((body.$unset ?? {}) as Record<string, unknown>);
  // `{}` or `{$set: {}}` changes nothing, and the driver would refuse the empty update.
  if (Object.keys(set).length === 0 && unset.length === 0) {
    throw new ValidationError([{ path: "", message: "give at least one field path to $set or $unset" }]);
  }
  const paths = [
    ...Object.keys(set).map((path) => ["$set", path] as const),
    ...unset.map((path) => ["$unset", path] as const),
  ];
  for (const [operator, path] of paths) {
    const problem = fieldPathProblem(path);
    if (problem) issues.push({ path: `${operator}.${path}`, message: problem });
    else if (path === "_id" || path.startsWith("_id."))
      issues.push({ path: `${operator}.${path}`, message: "_id cannot change" });
    else if (path.split(".").length > MAX_DEPTH) {
      issues.push({ path: `${operator}.${path}`, message: `nests deeper than ${MAX_DEPTH} levels` });
    }
  }
  for (const [path, value] of Object.entries(set))
    valueIssues(value, `$set.${path}`, path.split(".").length + 1, issues);
  const all = paths.map(([, path]) => path);
  for (const [index, path] of all.entries()) {
    const clash = all.find(
      (other, otherIndex) => otherIndex !== index && (other === path || other.startsWith(`${path}.`)),
    );
    if (clash) issues.push({ path, message: `conflicts with ${clash}` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { set, unset };
}

/**
 * The document the patch would produce, to check its size and depth before the server applies it.
 * It walks the document's own fields only (never what every object inherits), and refuses an array
 * index past what a document of the largest size could hold (413) before making the array that long:
 * a `$set` of `list.4294967294` would otherwise have the checks walk four billion slots.
 */
function applyPatch(
  document: TenantDocument,
  set: Record<string, unknown>,
  unset: readonly string[],
): Record<string, unknown> {
  const result = structuredClone(document) as Record<string, unknown>;
  const maxLength = maxArrayLength();
  // Read a field of `container`; where a `$set` would make it (`path`), first the index's bound.
  const child = (container: Record<string, unknown>, segment: string, path?: string): unknown => {
    if (path !== undefined && Array.isArray(container) && Number(segment) >= maxLength) {
      throw new TooLargeError(
        `$set.${path} names an array index past what a document of at most ${config().data.documentMaxBytes} bytes can hold.`,
      );
    }
    return Object.hasOwn(container, segment) ? container[segment] : undefined;
  };
  const walk = (path: string, create: boolean): [Record<string, unknown>, string] | undefined => {
    const segments = path.split(".");
    let node: unknown = result;
    for (const segment of segments.slice(0, -1)) {
      if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
      const container = node as Record<string, unknown>;
      const setPath = create ? path : undefined;
      if (child(container, segment, setPath) === undefined && create) container[segment] = {};
      node = child(container, segment, setPath);
    }
    if (!isPlainObject(node) && !Array.isArray(node)) {
      if (create)
        throw new ValidationError([{ path: `$set.${path}`, message: "goes through a field that is not an object" }]);
      return undefined;
    }
    const last = segments.at(-1) as string;
    if (create) child(node as Record<string, unknown>, last, path);
    return [node as Record<string, unknown>, last];
  };
  for (const [path, value] of Object.entries(set)) {
    const [container, key] = walk(path, true) as [Record<string, unknown>, string];
    container[key] = value;
  }
  for (const path of unset) {
    const target = walk(path, false);
    if (target) delete target[0][target[1]];
  }
  return result;
}

/** `$set` and `$unset` only, applied by the server in one write; 404 when there is no such document. */
export async function patchDocument(
  actor: Actor,
  id: string,
  body: unknown,
  context: RequestContext = {},
): Promise<StoredDocument> {
  const { set, unset } = checkPatch(body);
  if (!isDocumentId(id)) throw notFound();
  const handle = await tenantCollectionOf(actor, "data:write", "write documents", "write");
  const current = await findById(handle.collection, id);
  if (!current) throw notFound();
  const patched = applyPatch(current, set, unset);
  const depthIssues = valueIssues(patched, "", 1);
  if (depthIssues.length > 0) throw new ValidationError(depthIssues);
  const size = checkSize(patched);
  await checkQuota(handle, actor, { documents: 0, bytes: size - bsonSize(current) }, context);
  const update = {
    ...(Object.keys(set).length > 0 && { $set: set }),
    ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((path) => [path, ""])) }),
  };
  let after: TenantDocument | null;
  try {
    after = await handle.collection.findOneAndUpdate({ _id: current._id }, update, { returnDocument: "after" });
  } catch (error) {
    if (isDuplicateKeyError(error))
      throw await uniqueIndexConflict(handle, (field) => Object.keys(set).some((path) => overlaps(path, field)), error);
    throw error;
  }
  if (!after) throw notFound();
  return toStored(after);
}

export async function deleteDocument(actor: Actor, id: string): Promise<{ deleted: true }> {
  if (!isDocumentId(id)) throw notFound();
  const { collection } = await tenantCollectionOf(actor, "data:write", "write documents", "write");
  for (const filter of idFilters(id)) {
    if ((await collection.deleteOne(filter)).deletedCount > 0) return { deleted: true };
  }
  throw notFound();
}

export interface DocumentQuery {
  /** JSON text of a filter in the safe subset (filter.ts). */
  readonly filter?: string;
  /** A field path to sort by; `_id` when absent. */
  readonly sort?: string;
  readonly order?: "asc" | "desc";
  readonly limit?: number;
  readonly cursor?: string;
}

export interface DocumentPage {
  readonly documents: readonly StoredDocument[];
  /** Pass as `cursor` (with the same filter, sort and order) for the next page; absent on the last. */
  readonly nextCursor?: string;
}

interface Cursor {
  readonly s: string;
  readonly o: "asc" | "desc";
  /** The last document's sort value (absent when the field was); unused when sorting by `_id`. */
  readonly v?: unknown;
  /** The last document's `_id`, as a string, or `{oid}` for one stored as an ObjectId. */
  readonly i: string | { readonly oid: string };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

const badCursor = () =>
  new ValidationError([{ path: "cursor", message: "is not the next_cursor of a page with this sort and order" }]);

function decodeCursor(text: string, sort: string, order: "asc" | "desc"): { value: unknown; id: unknown } {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  if (!isPlainObject(cursor) || cursor.s !== sort || cursor.o !== order) throw badCursor();
  const id =
    typeof cursor.i === "string"
      ? cursor.i
      : isPlainObject(cursor.i) && typeof cursor.i.oid === "string" && /^[0-9a-f]{24}$/.test(cursor.i.oid)
        ? new ObjectId(cursor.i.oid)
        : undefined;
  // The value goes back to the server as a literal: nothing operator-shaped in it.
  if (id === undefined || valueIssues(cursor.v, "v", 1).length > 0) throw badCursor();
  return { value: cursor.v ?? null, id };
}

/** MongoDB's order of the JSON types (missing and null first), and the `$type` names of each (JSON has no decimals). */
const TYPE_ORDER = [["null"], ["double", "int", "long"], ["string"], ["object"], ["array"], ["bool"]] as const;

function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return 1;
  if (typeof value === "string") return 2;
  if (Array.isArray(value)) return 4;
  if (typeof value === "boolean") return 5;
  return 3;
}

/**
 * The documents after (sort value, `_id`) in the page order. Comparisons in MongoDB's query
 * language hold within one type, so the documents whose sort value is of a type that sorts later
 * (earlier, descending) are asked for by `$type`; missing and null sort first and match `null`.
 */
function after(sort: string, order: "asc" | "desc", value: unknown, id: unknown): Record<string, unknown> {
  const forward = order === "asc";
  const idAfter = { _id: forward ? { $gt: id } : { $lt: id } };
  if (sort === "_id") return idAfter;
  const rank = typeRank(value);
  const branches: Record<string, unknown>[] = [{ [sort]: rank === 0 ? null : { $eq: value }, ...idAfter }];
  if (rank !== 0) branches.push({ [sort]: forward ? { $gt: value } : { $lt: value } });
  const laterTypes = TYPE_ORDER.filter((_, index) => (forward ? index > rank : index < rank) && index !== 0).flat();
  if (laterTypes.length > 0) branches.push({ [sort]: { $type: laterTypes } });
  if (!forward && rank !== 0) branches.push({ [sort]: null });
  return { $or: branches };
}

function sortValueOf(document: TenantDocument, sort: string): unknown {
  let node: unknown = document;
  for (const segment of sort.split(".")) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

/**
 * A page of the caller's documents matching the filter, in (sort field, `_id`) order. Keyset
 * pagination: the cursor holds the last document's sort value and `_id`, so documents inserted
 * meanwhile never shift a page (one sorting before the cursor is simply not shown, one after it
 * will be), and no document is shown twice.
 */
export async function listDocuments(actor: Actor, query: DocumentQuery = {}): Promise<DocumentPage> {
  const filter = parseFilterText(query.filter);
  const sort = query.sort ?? "_id";
  const sortProblem = fieldPathProblem(sort);
  if (sortProblem) throw new ValidationError([{ path: "sort", message: sortProblem }]);
  const order = query.order ?? "asc";
  const limit = pageLimit(query.limit, DOCUMENTS_PAGE_DEFAULT, DOCUMENTS_PAGE_MAX);
  const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort, order);
  const { collection } = await tenantCollectionOf(actor, "data:read", "read documents", "read");
  const conditions = [filter, ...(position ? [after(sort, order, position.value, position.id)] : [])].filter(
    (condition) => Object.keys(condition).length > 0,
  );
  const direction = order === "asc" ? 1 : -1;
  const documents = await collection
    .find(conditions.length === 0 ? {} : conditions.length === 1 ? (conditions[0] as object) : { $and: conditions })
    .sort(sort === "_id" ? { _id: direction } : { [sort]: direction, _id: direction })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(documents, limit, (last) =>
    encodeCursor({
      s: sort,
      o: order,
      ...(sort !== "_id" && { v: sortValueOf(last, sort) ?? null }),
      i: last._id instanceof ObjectId ? { oid: last._id.toHexString() } : String(last._id),
    }),
  );
  return { documents: items.map(toStored), ...(nextCursor && { nextCursor }) };
}
