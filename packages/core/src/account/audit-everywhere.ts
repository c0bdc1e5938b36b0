import type { ObjectId } from "mongodb";
import { type AuditEvent, recordAudit } from "../audit";
import type { RequestContext } from "../context";
import type { Database } from "../db/client";

/**
 * A change to a user's own account concerns every organization they belong to: its owners and
 * admins see it in their audit log.
 */
export async function auditInEachOrganization(
  db: Database,
  userId: ObjectId,
  event: Omit<AuditEvent, "organizationId" | "userId">,
  context: RequestContext,
): Promise<void> {
  const memberships = await db.memberships.find({ user_id: userId }, { projection: { organization_id: 1 } }).toArray();
  await Promise.all(
    memberships.map(({ organization_id }) =>
      recordAudit(db, { ...event, organizationId: organization_id, userId }, context),
    ),
  );
}
