import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";

/**
 * Revoking is deleting: the one read of every authenticated request then finds no session, and
 * its refresh tokens lead nowhere. Each change of what sessions mirror calls one of these after
 * its own write (see openSession for why that order).
 */

/** A role change or a removal: the member's sessions in that organization. */
export async function revokeMembershipSessions(
  db: Database,
  organizationId: ObjectId,
  userId: ObjectId,
): Promise<number> {
  return (await db.sessions.deleteMany({ organization_id: organizationId, user_id: userId })).deletedCount;
}

/** A delete: every session in the organization. */
export async function revokeOrganizationSessions(db: Database, organizationId: ObjectId): Promise<number> {
  return (await db.sessions.deleteMany({ organization_id: organizationId })).deletedCount;
}

/**
 * An email or password change (or its undoing): every session of the user opened under other
 * credentials. Keyed on the version, so repeating it (the reconciler finishing an update) never
 * touches a session opened under the new credentials.
 */
export async function revokeSessionsOfOtherCredentials(
  db: Database,
  userId: ObjectId,
  credentialsVersion: number,
): Promise<number> {
  return (await db.sessions.deleteMany({ user_id: userId, credentials_version: { $ne: credentialsVersion } }))
    .deletedCount;
}
