/**
 * The slug is an organization's identity: names are unique by slug and the tenant collection is
 * named after it, so "Acme Corp", "ACME corp" and "acme_corp" are one organization.
 *
 * NFKD splits accented letters into base letter + combining mark (é → e + ◌́) and folds
 * compatibility forms (ﬁ → fi, full-width Ａ → A); dropping the marks keeps the base letter.
 */
export const SLUG_MAX_LENGTH = 48;

export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

export const COLLECTION_PREFIX = "org_";

export function collectionNameFor(slug: string): string {
  return `${COLLECTION_PREFIX}${slug}`;
}
