import { requireScope } from "../auth/permissions";
import { database } from "../db/client";
import { type Actor, toObjectId } from "../organizations/model";
import { pendingFilter } from "./close";
import { type Invitation, toInvitation } from "./invite";

/** The caller's organization's pending invitations, newest first — never their tokens (owners and admins). */
export async function listInvitations(actor: Actor): Promise<Invitation[]> {
  requireScope(actor, "members:manage", "list invitations");
  const db = await database();
  const documents = await db.invitations
    .find({ organization_id: toObjectId(actor.organizationId), ...pendingFilter() })
    .sort({ _id: -1 })
    .toArray();
  return documents.map(toInvitation);
}
