import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";

/**
 * An organization's deletion (organizations/steps.ts): the domains it holds first, so that they
 * are free for another organization at once, then its claims and join requests. Idempotent, as
 * every step of a delete.
 */
export async function deleteDomainsOf(db: Database, organizationId: ObjectId): Promise<void> {
  await db.verifiedDomains.deleteMany({ organization_id: organizationId });
  await db.domainClaims.deleteMany({ organization_id: organizationId });
  await db.joinRequests.deleteMany({ organization_id: organizationId });
}
