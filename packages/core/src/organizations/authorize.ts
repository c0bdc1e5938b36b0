import type { Database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { ForbiddenError } from "../errors";
import { findOrganizationDocument, type Actor } from "./model";

/**
 * Load the organization an admin wants to change and make sure it is theirs. Unknown comes before
 * forbidden (404, then 403): names are public anyway, so this reveals nothing.
 */
export async function findOwnOrganization(db: Database, actor: Actor, name: string): Promise<OrganizationDocument> {
  const document = await findOrganizationDocument(db, name);
  if (document._id.toHexString() !== actor.organizationId || document.admin_id.toHexString() !== actor.adminId) {
    throw new ForbiddenError("The token does not belong to this organization's administrator.");
  }
  return document;
}
