import { newMembership } from "../members/membership";
import type { Collection } from "mongodb";
import type { LegacyAdminDocument, MembershipDocument, UserDocument } from "./documents";
import { isDuplicateKeyError } from "./mongo-errors";

/**
 * Databases written before users and memberships hold one `admins` document per organization.
 * On connect (once per container, before any request), each becomes a user with the same id,
 * email, hash and credentials version (the organization record's `admin_id` still names it) and
 * that organization's owner; then the admin document goes. Idempotent, and safe to run in several
 * containers at once: every write tolerates its twin, and an admin is deleted only after both
 * exist, so a crash anywhere leaves it for the next connect. With nothing to migrate it costs one
 * query on an empty collection.
 */
export async function migrateLegacyAdmins(db: {
  readonly legacyAdmins: Collection<LegacyAdminDocument>;
  readonly users: Collection<UserDocument>;
  readonly memberships: Collection<MembershipDocument>;
}): Promise<number> {
  let migrated = 0;
  for await (const admin of db.legacyAdmins.find()) {
    const user = {
      _id: admin._id,
      email: admin.email,
      password_hash: admin.password_hash,
      credentials_version: admin.credentials_version,
      created_at: admin.created_at,
      updated_at: admin.updated_at,
    };
    await ignoringDuplicates(db.users.insertOne(user));
    await ignoringDuplicates(
      db.memberships.insertOne(newMembership(admin.organization_id, user, "owner", admin.created_at)),
    );
    await db.legacyAdmins.deleteOne({ _id: admin._id });
    migrated++;
  }
  return migrated;
}

async function ignoringDuplicates(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}
