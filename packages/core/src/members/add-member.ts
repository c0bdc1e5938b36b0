import type { ObjectId } from "mongodb";
import type { Database } from "../db/client";
import type { MembershipDocument, UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { beginChange } from "../events/change";
import type { EventActor } from "../events/types";
import { newMembership } from "./membership";

/** How a user joined without an invitation, as `member.added` says it. */
export type JoinedVia = { readonly via: "sso" } | { readonly via: "domain"; readonly domain: string };

/**
 * A user made a `member` without an invitation: just in time by the organization's single sign-on
 * (sso/join.ts), or by their verified email's domain (domains/joining.ts). `member.added` is
 * announced before and appended after, as an invitation's accept does (invitations/accept.ts); the
 * membership's unique `_id` decides between this and any other way of joining at the same time —
 * undefined when the user was a member already, and nothing announced then stays.
 */
export async function addMemberWithoutInvitation(
  db: Database,
  organizationId: ObjectId,
  user: Pick<UserDocument, "_id" | "email" | "credentials_version">,
  actor: EventActor,
  now: Date,
  how: JoinedVia,
): Promise<MembershipDocument | undefined> {
  const membership = newMembership(organizationId, user, "member", now);
  const change = await beginChange(
    db,
    actor,
    [
      {
        type: "member.added",
        organizationId,
        data: { user_id: user._id.toHexString(), email: user.email, role: membership.role, ...how },
        proof: { kind: "marked", collection: "memberships", id: membership._id },
      },
    ],
    now,
  );
  try {
    await db.memberships.insertOne({ ...membership, ...change.marks("member.added") });
  } catch (error) {
    await change.abandon(db);
    if (isDuplicateKeyError(error)) return undefined;
    throw error;
  }
  await change.commit(db);
  return membership;
}
