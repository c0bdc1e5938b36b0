import * as z from "zod/mini";

/**
 * A cell: one MongoDB deployment (an Atlas cluster, a sharded cluster, any server) and the database
 * on it that holds its pool tenants. Silo tenants get a database of their own in the cell.
 */
export interface CellConfig {
  readonly name: string;
  /** Undefined only for the default cell while MONGODB_URI is unset (the database then refuses to connect). */
  readonly uri: string | undefined;
  /** The pool database. */
  readonly database: string;
  /** Collections plus indexes the service may place in this cell; undefined: no budget. */
  readonly maxNamespaces: number | undefined;
}

/** The one cell there is when TENANT_CELLS is unset: MONGODB_URI and MONGODB_TENANT_DB, as before cells. */
export const DEFAULT_CELL = "default";

const cellSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/)),
  uri: z.string().check(z.regex(/^mongodb(\+srv)?:\/\/\S+$/)),
  // Pool database names share the limits of MONGODB_TENANT_DB.
  database: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,38}$/)),
  // 0 closes a cell to new tenants (one being emptied by moves, say).
  max_namespaces: z.number().check(z.int(), z.gte(0), z.lte(10_000_000)),
});

const cellsSchema = z.array(cellSchema).check(z.minLength(1), z.maxLength(64));

/** What is wrong with a TENANT_CELLS value, in words that never repeat a connection string; undefined when it is right. */
export function tenantCellsProblem(value: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return "not JSON";
  }
  const parsed = z.safeParse(cellsSchema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, field] = issue.path;
    if (index === undefined) return "not a list of one to 64 cells";
    const where = `cell ${Number(index) + 1}`;
    switch (field) {
      case "name":
        return `${where}: "name" must be 1–32 lowercase letters, digits or "-"`;
      case "uri":
        return `${where}: "uri" is not a MongoDB connection string`;
      case "database":
        return `${where}: "database" must be 1–38 letters, digits, "_" or "-"`;
      case "max_namespaces":
        return `${where}: "max_namespaces" must be a whole number from 0 to 10000000`;
      default:
        return `${where}: must be {"name", "uri", "database", "max_namespaces"} and nothing else`;
    }
  }
  const names = parsed.data.map((cell) => cell.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) return `the name "${repeated}" is given to two cells`;
  // Two cells of one database would be one: a move between them would drop what it moved.
  const places = parsed.data.map((cell) => `${cell.uri} ${cell.database}`);
  const same = places.findIndex((place, i) => places.indexOf(place) !== i);
  if (same >= 0)
    return `cells ${places.indexOf(places[same]!) + 1} and ${same + 1} name the same database on the same deployment`;
  return undefined;
}

/** The cells of a TENANT_CELLS value already checked by {@link tenantCellsProblem}. */
export function parseTenantCells(value: string): CellConfig[] {
  return z.parse(cellsSchema, JSON.parse(value)).map((cell) => ({
    name: cell.name,
    uri: cell.uri,
    database: cell.database,
    maxNamespaces: cell.max_namespaces,
  }));
}
