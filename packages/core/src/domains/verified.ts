import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";

/*
 * Reads of the domains organizations hold, apart from claims.ts: logins, refreshes, switches and
 * single sign-on read who holds a domain, and claims.ts builds its input schemas at import with
 * the domain rule that carries the Public Suffix List (names.ts), which they have no use for.
 */

/** The organization that holds `domain` (lower-case ASCII, as names.ts's normalizeDomain or emailDomain give it), or null. */
export async function verifiedDomainOwner(db: Database, domain: string): Promise<ObjectId | null> {
  const row = await db.verifiedDomains.findOne({ _id: domain.toLowerCase() }, { projection: { organization_id: 1 } });
  return row?.organization_id ?? null;
}

/** The domains an organization holds, sorted. */
export async function verifiedDomainsOf(db: Database, organizationId: ObjectId): Promise<string[]> {
  const rows = await db.verifiedDomains
    .find({ organization_id: organizationId }, { projection: { _id: 1 } })
    .sort({ _id: 1 })
    .toArray();
  return rows.map((row) => row._id);
}
