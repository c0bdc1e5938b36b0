// zod/mini, like the request and response schemas that use these.
import * as z from "zod/mini";
import { meta } from "./schema-meta";

/** An ObjectId as the API writes it: 24 lower-case hex digits. */
const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * An id the client sends (a path variable, say): a malformed one is a 422 saying it `is not ${what}`
 * ("is not a user id": clients see that message). Without `what`, zod's own message: for the answers.
 * Free of side effects, like `meta()`: a schema a bundle never uses is dropped from it.
 */
/* @__NO_SIDE_EFFECTS__ */
export function objectIdString(what?: string) {
  return z.string().check(what === undefined ? z.regex(OBJECT_ID) : z.regex(OBJECT_ID, `is not ${what}`));
}

/**
 * The optional cursor of a keyset page: the `next_cursor` (an ObjectId) of the previous page.
 * `of`: what the pages hold ("members"), when the description names it.
 */
/* @__NO_SIDE_EFFECTS__ */
export function nextCursorParam(of?: string) {
  return meta(z.optional(z.string().check(z.regex(OBJECT_ID, "must be the next_cursor of a previous page"))), {
    description: `The \`next_cursor\` of the previous page${of === undefined ? "" : ` of ${of}`}.`,
  });
}
