import { ValidationError } from "./errors";

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

/**
 * The cursor of a list sorted newest first by a time and then by id (`<time ms>_<id>`): the time
 * alone is not unique, so the id breaks ties and no item is skipped or shown twice.
 */
export const timeAndIdCursor = (time: Date, id: { toString(): string }): string => `${time.getTime()}_${id}`;

/** A {@link timeAndIdCursor} read back; a cursor that is none is a 400 naming `parameter`. */
export function parseTimeAndIdCursor(cursor: string, parameter: string): { readonly time: Date; readonly id: string } {
  const match = /^(\d{1,15})_(.+)$/.exec(cursor);
  if (!match) throw new ValidationError([{ path: parameter, message: "is not a cursor from a previous page" }]);
  return { time: new Date(Number(match[1])), id: match[2]! };
}

/** The query condition for the items after a {@link timeAndIdCursor}'s item, in (`field` desc, `_id` desc) order. */
export function afterTimeAndId<Id>(field: string, bound: { readonly time: Date; readonly id: Id }) {
  return { $or: [{ [field]: { $lt: bound.time } }, { [field]: bound.time, _id: { $lt: bound.id } }] };
}
