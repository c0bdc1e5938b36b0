import type { Database } from "../db/client";
import type { InvitationDocument } from "../db/documents";

/** While pending, an invitation holds its organization's and email's key, so there is one at a time. */
export const pendingKeyOf = (invitation: Pick<InvitationDocument, "organization_id" | "email">): string =>
  `${invitation.organization_id.toHexString()}:${invitation.email}`;

/**
 * An invitation stops being pending (accepted, revoked or replaced after expiry): it gives up the
 * pending key for a unique one of its own, so the email can be invited again. `mark`: the event
 * mark of the change that closes it (events/change.ts), written in the same write.
 */
export async function closeInvitation(
  db: Database,
  invitation: Pick<InvitationDocument, "_id" | "organization_id" | "email">,
  outcome: { accepted_at: Date } | { revoked_at: Date },
  mark: Record<string, string> = {},
): Promise<void> {
  await db.invitations.updateOne(
    { _id: invitation._id },
    {
      $set: {
        ...outcome,
        pending_key: `${pendingKeyOf(invitation)}:closed:${invitation._id.toHexString()}`,
        ...mark,
      },
    },
  );
}

/**
 * Pending: neither accepted nor revoked, and not yet expired — the one definition, as a test of a
 * record ({@link isPending}) and as a query ({@link pendingFilter}).
 */
export const isPending = (invitation: InvitationDocument, now = new Date()): boolean =>
  invitation.accepted_at === undefined && invitation.revoked_at === undefined && invitation.expires_at > now;

export const pendingFilter = (now = new Date()) =>
  ({ expires_at: { $gt: now }, accepted_at: { $exists: false }, revoked_at: { $exists: false } }) as const;
