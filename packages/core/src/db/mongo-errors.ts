/** Server error codes the domain reacts to; the same on MongoDB and FerretDB. */
const NAMESPACE_NOT_FOUND = 26;
const NAMESPACE_EXISTS = 48;
const DUPLICATE_KEY = 11000;

function hasCode(error: unknown, code: number): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

export const isDuplicateKeyError = (error: unknown): boolean => hasCode(error, DUPLICATE_KEY);
export const isNamespaceExistsError = (error: unknown): boolean => hasCode(error, NAMESPACE_EXISTS);
export const isNamespaceNotFoundError = (error: unknown): boolean => hasCode(error, NAMESPACE_NOT_FOUND);
