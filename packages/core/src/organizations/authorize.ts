import type { Database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { ConflictError, ForbiddenError } from "../errors";
import { findOrganizationDocument, type Actor } from "./model";
import { isStale, reconcileOrganization } from "./reconcile";

/**
 * Load the organization an admin wants to change and make sure it is theirs. Unknown comes before
 * forbidden (404, then 403): names are public anyway, so this reveals nothing. An interrupted
 * change older than the grace period is repaired on the spot instead of blocking the admin until
 * the next reconciler run.
 */
export async function findOwnOrganization(db: Database, actor: Actor, name: string): Promise<OrganizationDocument> {
  let document = await findOrganizationDocument(db, name);
  if (document._id.toHexString() !== actor.organizationId || document.admin_id.toHexString() !== actor.adminId) {
    throw new ForbiddenError("The token does not belong to this organization's administrator.");
  }
  if (document.pending && isStale(document)) {
    await reconcileOrganization(db, document);
    document = await findOrganizationDocument(db, name);
  }
  if (document.pending) {
    throw new ConflictError("Another change to this organization is in progress; try again in a moment.", "organization_name");
  }
  return document;
}
