import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { NotFoundError } from "../errors";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";
import { type Actor, toObjectId } from "../organizations/model";
import { closeInvitation, isPending } from "./close";

/**
 * Revoke a pending invitation of the caller's organization (owners and admins; an owner's
 * invitation only by an owner). Another organization's invitation, or one no longer pending, is
 * not found: 404, as an unknown id.
 */
export async function revokeInvitation(actor: Actor, invitationId: string, context: RequestContext = {}) {
  requireScope(actor, "members:manage", "revoke invitations");
  const db = await database();
  const now = nowOf(context);
  const id = toObjectId(invitationId);
  const invitation =
    id && (await db.invitations.findOne({ _id: id, organization_id: toObjectId(actor.organizationId) }));
  if (!invitation || !isPending(invitation, now)) throw new NotFoundError("No pending invitation has this id.");
  if (invitation.role === "owner") requireScope(actor, "owners:manage", "revoke an owner's invitation");
  const change = await beginChange(
    db,
    eventActorOf(actor),
    [
      {
        type: "invitation.revoked",
        organizationId: invitation.organization_id,
        data: { invitation_id: invitation._id.toHexString(), email: invitation.email, role: invitation.role },
        proof: { kind: "marked", collection: "invitations", id: invitation._id },
      },
    ],
    now,
  );
  await closeInvitation(db, invitation, { revoked_at: now }, change.mark("invitation.revoked"));
  await change.commit(db);
  await recordAudit(
    db,
    {
      action: "invitation.revoked",
      organizationId: invitation.organization_id,
      userId: toObjectId(actor.userId),
      email: invitation.email,
      details: { invitation_id: invitation._id.toHexString(), role: invitation.role },
    },
    context,
  );
  return { revoked: true as const };
}
