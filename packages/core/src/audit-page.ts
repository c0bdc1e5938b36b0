/**
 * The largest page `GET /org/audit` serves. In a module of its own, without the driver: request
 * schemas (and so every bundle that validates input) read it.
 */
export const AUDIT_PAGE_MAX = 100;
