import { database } from "../db/client";
import { isNamespaceNotFoundError } from "../db/mongo-errors";
import { organizationNameSchema, parseInput } from "../validation";
import { findOwnOrganization } from "./authorize";
import type { Actor } from "./model";

/**
 * Delete the tenant collection, the admin and the record, in that order: the record goes last so
 * that, until everything else is gone, it still names what remains to be deleted. Afterwards the
 * name and the email are free again.
 */
export async function deleteOrganization(actor: Actor, name: string): Promise<{ name: string }> {
  const organizationName = parseInput(organizationNameSchema, name);
  const db = await database();
  const organization = await findOwnOrganization(db, actor, organizationName);
  try {
    await db.tenants.dropCollection(organization.collection_name);
  } catch (error) {
    if (!isNamespaceNotFoundError(error)) throw error;
  }
  await db.admins.deleteOne({ _id: organization.admin_id });
  await db.organizations.deleteOne({ _id: organization._id });
  return { name: organization.name };
}
