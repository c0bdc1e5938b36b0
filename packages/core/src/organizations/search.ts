import type { Collection, ObjectId } from "mongodb";
import type { OrganizationSearchDocument } from "../db/documents";

/** Where the index is: a `Database`'s collection, named alone because db/client.ts's connect-time migration imports this module. */
type SearchIndex = { readonly organizationSearch: Collection<OrganizationSearchDocument> };

/**
 * What the platform's search (`GET /platform/organizations?query=…`) finds an organization by: a
 * prefix of its slug or of its lower-cased name. The prefixes are kept in a collection of their
 * own (`organization_search`, by the organization's id), indexed, so that a search is one equality
 * on an array field — what FerretDB pushes down to PostgreSQL (`_jsonb -> 'prefixes' @> '"acme"'`,
 * true when the array holds the string) and the GIN companion of the field's index serves —
 * rather than a regular expression it evaluates on every record. Apart from the organization's
 * record, which every authenticated request reads whole on FerretDB: kept there, the prefixes made
 * every lookup of an organization slower (measured: +27 % to +40 % of the database's CPU).
 *
 * An entry may name more than the organization is called (while a rename is under way it holds
 * both names; a crash may leave it so): the search checks what it finds against the record, so an
 * entry can find too much, never too little.
 */
export const SEARCH_PREFIX_MAX = 32;

/** Every prefix, from one character up to {@link SEARCH_PREFIX_MAX}, of the slugs and of the lower-cased names. */
export function searchPrefixesOf(...names: readonly { readonly name: string; readonly slug: string }[]): string[] {
  const prefixes = new Set<string>();
  for (const { name, slug } of names) {
    for (const text of [slug, name.toLowerCase()]) {
      let prefix = "";
      // By code point: a prefix never ends inside a character.
      for (const character of [...text].slice(0, SEARCH_PREFIX_MAX)) {
        prefix += character;
        prefixes.add(prefix);
      }
    }
  }
  return [...prefixes];
}

/** The organization is found by these names (one; two while a rename is under way). */
export async function indexNames(
  db: SearchIndex,
  organizationId: ObjectId,
  ...names: readonly { readonly name: string; readonly slug: string }[]
): Promise<void> {
  await db.organizationSearch.updateOne(
    { _id: organizationId },
    { $set: { prefixes: searchPrefixesOf(...names) } },
    { upsert: true },
  );
}

export async function unindexOrganization(db: SearchIndex, organizationId: ObjectId): Promise<void> {
  await db.organizationSearch.deleteOne({ _id: organizationId });
}

/** The key a query is looked up by: its first {@link SEARCH_PREFIX_MAX} characters, lower-cased. */
export const searchKeyOf = (query: string): string => [...query.toLowerCase()].slice(0, SEARCH_PREFIX_MAX).join("");

/** Whether an organization's name or slug starts with `query`, whatever its case: what a hit is checked against. */
export const matchesPrefix = (
  organization: { readonly name: string; readonly slug: string },
  query: string,
): boolean => {
  const wanted = query.toLowerCase();
  return organization.name.toLowerCase().startsWith(wanted) || organization.slug.startsWith(wanted);
};
