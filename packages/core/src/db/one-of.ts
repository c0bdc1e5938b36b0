/**
 * A filter value matching any of `values`: an equality when there is one, else `$in`. FerretDB
 * serves an equality from an index but scans the collection for `$in` (docs/database.md,
 * "What FerretDB does and does not do for the service"), and most users belong to one organization.
 */
export function oneOf<T>(values: readonly T[]): T | { $in: T[] } {
  return values.length === 1 ? values[0]! : { $in: [...values] };
}
