/** Server error codes the domain reacts to. */
const NAMESPACE_NOT_FOUND = 26;
const NAMESPACE_EXISTS = 48;
const DUPLICATE_KEY = 11000;
const NOT_IMPLEMENTED = 238;

function hasCode(error: unknown, code: number): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

/**
 * A unique index refused the write. MongoDB answers 11000. FerretDB v1 answers 11000 for inserts
 * but, for an update that collides, an InternalError (code 1) carrying its storage's own words:
 * SQLite's "UNIQUE constraint failed", PostgreSQL's "duplicate key value violates unique
 * constraint" (SQLSTATE 23505). All of them mean the same to us.
 */
const STORAGE_DUPLICATE_KEY = /UNIQUE constraint failed|duplicate key value violates unique constraint/;

export function isDuplicateKeyError(error: unknown): boolean {
  if (hasCode(error, DUPLICATE_KEY)) return true;
  return hasCode(error, 1) && error instanceof Error && STORAGE_DUPLICATE_KEY.test(error.message);
}
export const isNamespaceExistsError = (error: unknown): boolean => hasCode(error, NAMESPACE_EXISTS);
export const isNamespaceNotFoundError = (error: unknown): boolean => hasCode(error, NAMESPACE_NOT_FOUND);

/**
 * The database could not be reached (or stopped answering): worth a retry, not a bug. By the
 * driver's error names rather than `instanceof`, so that the HTTP layer can classify errors
 * without importing the driver (functions that never touch the database stay small).
 */
const UNAVAILABLE = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoTopologyClosedError",
]);

export function isDatabaseUnavailableError(error: unknown): boolean {
  return error instanceof Error && UNAVAILABLE.has(error.name);
}

/** FerretDB's answer to an option it does not support (e.g. TTL indexes). */
export function isNotImplementedError(error: unknown): boolean {
  return hasCode(error, NOT_IMPLEMENTED) || (error instanceof Error && /not implemented/i.test(error.message));
}
