import { database } from "../db/client";
import { COLLECTION_PREFIX } from "../slug";

/**
 * The consistency the service promises once no operation is in flight (after a reconcile): each
 * organization record has exactly one admin and one tenant collection, no tenant collection or
 * admin lacks its record, and nothing is left half-done. Returns what is wrong, empty when all holds.
 */
export async function checkInvariants(): Promise<string[]> {
  const db = await database();
  const problems: string[] = [];
  const collections = new Set(
    (await db.tenants.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .filter((name) => name.startsWith(COLLECTION_PREFIX)),
  );
  const claimed = new Set<string>();

  for await (const organization of db.organizations.find()) {
    const label = `organization ${organization._id.toHexString()} (${organization.slug})`;
    claimed.add(organization.collection_name);
    if (organization.pending) problems.push(`${label} has an unfinished ${organization.pending.op}`);
    if (!collections.has(organization.collection_name))
      problems.push(`${label} has no collection ${organization.collection_name}`);
    const admins = await db.admins.countDocuments({ organization_id: organization._id });
    if (admins !== 1) problems.push(`${label} has ${admins} admins`);
    if ((await db.admins.countDocuments({ _id: organization.admin_id, organization_id: organization._id })) !== 1) {
      problems.push(`${label} does not have its admin ${organization.admin_id.toHexString()}`);
    }
  }
  for (const name of collections) if (!claimed.has(name)) problems.push(`collection ${name} has no organization`);
  for await (const admin of db.admins.find({}, { projection: { organization_id: 1, email: 1 } })) {
    if ((await db.organizations.countDocuments({ _id: admin.organization_id })) === 0)
      problems.push(`admin ${admin.email} has no organization`);
  }
  for await (const lock of db.locks.find()) problems.push(`organization ${lock._id.toHexString()} is still locked`);
  return problems;
}
