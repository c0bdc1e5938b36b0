import { BSON } from "mongodb";
import { config } from "../config";
import { TooLargeError, ValidationError, type FieldIssue } from "../errors";

/** How deep objects and arrays may nest in a tenant document (the document itself is level 1). */
export const MAX_DEPTH = 20;

/** A document id a client chooses: 1–128 letters, digits, `_ . : -`. */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export { isPlainObject };

/**
 * A field name no document may have: in JavaScript, `__proto__` names the prototype of every
 * object, so a patch through it would write onto every object of the process (all tenants').
 */
export const FORBIDDEN_FIELD_NAME = "__proto__";

/** Why a field name is refused, or undefined when it is fine. */
export function fieldNameProblem(name: string): string | undefined {
  if (name.startsWith("$")) return "a field name may not start with $";
  if (name.includes(".")) return "a field name may not contain .";
  if (name.includes("\u0000")) return "a field name may not contain NUL";
  if (name === FORBIDDEN_FIELD_NAME) return `a field name may not be ${FORBIDDEN_FIELD_NAME}`;
  return undefined;
}

/**
 * The most elements an array of a document within `TENANT_DOCUMENT_MAX_BYTES` can have: each takes
 * at least 3 bytes of BSON (its type, its index as a name, and that name's end).
 */
export function maxArrayLength(): number {
  return Math.floor(config().data.documentMaxBytes / 3);
}

const pathOf = (parent: string, key: string | number): string => (parent ? `${parent}.${key}` : String(key));

/**
 * Every problem of a JSON value as (part of) a stored document: field names starting with `$` or
 * containing `.` or NUL, nesting deeper than {@link MAX_DEPTH}. `depth` is the level the value sits at.
 */
export function valueIssues(value: unknown, path: string, depth: number, issues: FieldIssue[] = []): FieldIssue[] {
  if (issues.length >= 20) return issues;
  // PostgreSQL's jsonb (FerretDB's storage) holds no NUL in a string: refused here, not a 500 there.
  if (typeof value === "string" && value.includes("\u0000")) {
    issues.push({ path, message: "a string may not contain NUL (U+0000)" });
    return issues;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (depth > MAX_DEPTH) {
      issues.push({ path, message: `nests deeper than ${MAX_DEPTH} levels` });
      return issues;
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) valueIssues(item, pathOf(path, index), depth + 1, issues);
    } else {
      for (const [key, item] of Object.entries(value)) {
        const problem = fieldNameProblem(key);
        if (problem) issues.push({ path: pathOf(path, key), message: problem });
        else valueIssues(item, pathOf(path, key), depth + 1, issues);
      }
    }
  }
  return issues;
}

/** A request body that must be one JSON object to store: its `_id` (if any) checked, then every rule. */
export function checkDocument(body: unknown, { idAllowed }: { readonly idAllowed: boolean }): Record<string, unknown> {
  if (!isPlainObject(body)) throw new ValidationError([{ path: "", message: "must be a JSON object" }]);
  const issues: FieldIssue[] = [];
  if ("_id" in body) {
    if (!idAllowed) issues.push({ path: "_id", message: "may not be given here: the path names the document" });
    else if (typeof body._id !== "string" || !DOCUMENT_ID_PATTERN.test(body._id)) {
      issues.push({ path: "_id", message: "must be 1–128 letters, digits, _ . : or -" });
    }
  }
  valueIssues(body, "", 1, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  return body;
}

/** The stored size of a document, as BSON. */
export const bsonSize = (document: Record<string, unknown>): number => BSON.calculateObjectSize(document);

/** 413 for a document larger than `TENANT_DOCUMENT_MAX_BYTES` as BSON. */
export function checkSize(document: Record<string, unknown>): number {
  const size = bsonSize(document);
  const max = config().data.documentMaxBytes;
  if (size > max) {
    throw new TooLargeError(`The document is ${size} bytes as BSON; at most ${max} are accepted.`);
  }
  return size;
}

/** A document id from a path: 404 for anything that cannot be an id, as for one that does not exist. */
export function isDocumentId(id: string): boolean {
  return DOCUMENT_ID_PATTERN.test(id);
}
