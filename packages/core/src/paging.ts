/**
 * Keyset paging, as every list of the service pages: the caller asks for `limit` items (clamped to
 * 1…max), the query fetches one more than that, and the extra one only says that a next page
 * exists — whose cursor is made from the last item shown.
 */
export function pageLimit(asked: number | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(asked ?? fallback, 1), max);
}

/** The page of `fetched` (at most `limit + 1` items), and the cursor of the next one when there is one. */
export function pageOf<T>(
  fetched: readonly T[],
  limit: number,
  cursorOf: (last: T) => string,
): { readonly items: T[]; readonly nextCursor?: string } {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return { items, ...(fetched.length > limit && last !== undefined && { nextCursor: cursorOf(last) }) };
}
