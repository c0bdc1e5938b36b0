import { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { requireScope, ROLES, type Role } from "../auth/permissions";
import { recordAudit } from "../audit";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { InvitationDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError } from "../errors";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";
import { mailReachesOnlyTheRecipient, sendBestEffort } from "../mail/mailer";
import { appLink, invitationMail } from "../mail/templates";
import { membershipId } from "../members/membership";
import { type Actor, ownOrganization, toObjectId } from "../organizations/model";
import { checkInvitationDomain } from "../policies/invitation-domains";
import { emailSchema, parseInput } from "../validation";
import { closeInvitation, isPending, pendingFilter, pendingKeyOf } from "./close";
import { newInvitationToken } from "./token";

export const inviteInputSchema = z.object({ email: emailSchema, role: z.enum(ROLES) });
export type InviteInput = z.input<typeof inviteInputSchema>;

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly invitedBy: string;
}

export interface IssuedInvitation extends Invitation {
  /**
   * The token and its accept link, shown once to the inviter (only the hash is kept) — and only
   * where mail does not reach the invitee's mailbox alone (no MAIL_FROM or SMTP_URL: a local run,
   * where the developer is both sides). Where it does, the link goes to the mailbox and nowhere
   * else, so that accepting proves the address.
   */
  readonly token?: string;
  readonly acceptUrl?: string;
  readonly mailSent: boolean;
}

export const toInvitation = (document: InvitationDocument): Invitation => ({
  id: document._id.toHexString(),
  email: document.email,
  role: document.role,
  createdAt: document.created_at,
  expiresAt: document.expires_at,
  invitedBy: document.invited_by.toHexString(),
});

/**
 * Invite someone by email into the caller's organization (owners and admins; only an owner may
 * invite an owner). The accept link is mailed; the inviter sees it too only where mail goes no
 * further than the log (see IssuedInvitation), and the invitation records which it was. Refused (409) when the email is a member already, has a pending invitation, or
 * the organization has `MAX_PENDING_INVITATIONS` pending; refused (422) when the address is outside
 * the organization's invitation domains (policies/), when it has any. The unique pending key decides between
 * two concurrent invitations of one email; the pending count is checked before the insert, so
 * concurrent invitations may pass the limit by at most their number minus one.
 */
export async function inviteMember(
  actor: Actor,
  input: InviteInput,
  context: RequestContext = {},
): Promise<IssuedInvitation> {
  const { email, role } = parseInput(inviteInputSchema, input);
  requireScope(actor, "members:manage", "invite members");
  if (role === "owner") requireScope(actor, "owners:manage", "invite an owner");
  const db = await database();
  const organization = await ownOrganization(db, actor);
  // Its invitation domains, read apart from the record every request reads (which leaves them out).
  const policies = await db.organizations.findOne({ _id: organization._id }, { projection: { policies: 1 } });
  checkInvitationDomain(policies ?? {}, email);

  const now = nowOf(context);
  const member = await db.users.findOne({ email }, { projection: { _id: 1 } });
  if (member && (await db.memberships.countDocuments({ _id: membershipId(organization._id, member._id) })) > 0) {
    throw new ConflictError("This email belongs to a member already.", "email", { issue: "is a member already" });
  }
  const { maxPending, ttlHours } = config().invitations;
  const pending = await db.invitations.countDocuments({ organization_id: organization._id, ...pendingFilter(now) });
  if (pending >= maxPending) {
    throw new ConflictError(
      `The organization has ${maxPending} pending invitations, the most it may have; revoke some or wait for them to be accepted.`,
      "email",
      { issue: "cannot be invited while the organization has this many pending invitations" },
    );
  }

  const { token, hash } = newInvitationToken();
  const shown = !mailReachesOnlyTheRecipient();
  const invitationId = new ObjectId();
  const invitedBy = toObjectId(actor.userId)!;
  // An expired invitation of the same email closed on the way (insertInvitation) is no event of its own.
  const change = await beginChange(
    db,
    eventActorOf(actor),
    [
      {
        type: "invitation.created",
        organizationId: organization._id,
        data: { invitation_id: invitationId.toHexString(), email, role, invited_by: invitedBy.toHexString() },
        proof: { kind: "marked", collection: "invitations", id: invitationId },
      },
    ],
    now,
  );
  const invitation: InvitationDocument = {
    _id: invitationId,
    organization_id: organization._id,
    email,
    role,
    token_hash: hash,
    pending_key: pendingKeyOf({ organization_id: organization._id, email }),
    invited_by: invitedBy,
    token_shown: shown,
    created_at: now,
    expires_at: new Date(now.getTime() + ttlHours * 3_600_000),
    ...change.marks("invitation.created"),
  };
  await insertInvitation(db, invitation, now);
  await change.commit(db);

  // Accepted on the dashboard, with the token in the fragment (never sent to a server).
  const acceptUrl = appLink("invitation", token);
  const [mailSent] = await Promise.all([
    sendBestEffort(
      invitationMail({
        to: email,
        organizationName: organization.name,
        role,
        link: acceptUrl,
        expiresAt: invitation.expires_at,
      }),
      context,
    ),
    recordAudit(
      db,
      {
        action: "member.invited",
        organizationId: organization._id,
        userId: invitation.invited_by,
        email,
        details: { role, invitation_id: invitation._id.toHexString() },
      },
      context,
    ),
  ]);
  return { ...toInvitation(invitation), ...(shown && { token, acceptUrl }), mailSent };
}

/** Insert; a pending key held by an expired invitation is taken over (that one is closed first). */
async function insertInvitation(db: Database, invitation: InvitationDocument, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await db.invitations.insertOne(invitation);
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const holder = await db.invitations.findOne({ pending_key: invitation.pending_key });
    if (holder && isPending(holder, now)) break;
    if (holder) await closeInvitation(db, holder, { revoked_at: holder.expires_at });
  }
  throw new ConflictError("This email has a pending invitation already.", "email", {
    issue: "has a pending invitation already",
  });
}
