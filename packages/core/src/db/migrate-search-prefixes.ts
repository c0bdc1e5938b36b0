import { indexNames } from "../organizations/search";
import type { Collection } from "mongodb";
import type { OrganizationDocument, OrganizationSearchDocument } from "./documents";

/**
 * Organizations from before the platform's search had its entries (organizations/search.ts) get
 * one on connect, from their name and slug. With every organization indexed it costs two counts;
 * an entry written meanwhile by a create or a rename is never overwritten (only missing ones are
 * added).
 */
export async function addSearchEntries(db: {
  readonly organizations: Collection<OrganizationDocument>;
  readonly organizationSearch: Collection<OrganizationSearchDocument>;
}): Promise<number> {
  const [organizations, entries] = await Promise.all([
    db.organizations.estimatedDocumentCount(),
    db.organizationSearch.estimatedDocumentCount(),
  ]);
  if (entries >= organizations) return 0;
  let added = 0;
  for await (const { _id, name, slug } of db.organizations.find({}, { projection: { _id: 1, name: 1, slug: 1 } })) {
    if ((await db.organizationSearch.countDocuments({ _id }, { limit: 1 })) > 0) continue;
    await indexNames(db, _id, { name, slug });
    added++;
  }
  return added;
}
