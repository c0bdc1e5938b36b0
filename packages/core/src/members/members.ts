import * as z from "zod/mini";
import { requireScope, ROLES, type Role, type ScopedCaller } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { MembershipDocument } from "../db/documents";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { withOrganizationLock } from "../organizations/lock";
import { type Actor, ownOrganization, toObjectId } from "../organizations/model";
import { deleteUserIfNoMemberships } from "../organizations/steps";
import { revokeMembershipSessions } from "../sessions/revoke";
import { parseInput } from "../validation";
import { membershipId } from "./membership";
import { MEMBERS_PAGE_MAX } from "./page";
import { pageLimit, pageOf } from "../paging";
import { ObjectId } from "mongodb";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly joinedAt: Date;
  /** In member lists: whether the user has verified their address (UserDocument.email_verified). */
  readonly emailVerified?: boolean;
}

export interface MemberPage {
  readonly members: readonly Member[];
  readonly nextCursor?: string;
}

const toMember = (membership: MembershipDocument): Member => ({
  userId: membership.user_id.toHexString(),
  email: membership.email,
  role: membership.role,
  joinedAt: membership.joined_at,
});

/** The caller's organization's members, a page at a time (keyset pagination on the membership id; any role). */
export async function listMembers(
  actor: Actor,
  options: { limit?: number; cursor?: string } = {},
): Promise<MemberPage> {
  requireScope(actor, "org:read", "list members");
  const limit = pageLimit(options.limit, 50, MEMBERS_PAGE_MAX);
  if (options.cursor !== undefined && !toObjectId(options.cursor)) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from a previous page" }]);
  }
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) return { members: [] };
  const db = await database();
  const after = options.cursor === undefined ? undefined : membershipId(actor.organizationId, options.cursor);
  const documents = await db.memberships
    .find({ organization_id: organizationId, ...(after !== undefined && { _id: { $gt: after } }) })
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  const { items: page, nextCursor } = pageOf(documents, limit, (last) => last.user_id.toHexString());
  // One read by primary key per member, at once: FerretDB serves an equality from an index and scans for `$in`.
  const verified = await Promise.all(
    page.map((membership) =>
      db.users.countDocuments({ _id: membership.user_id, email_verified: true }, { limit: 1 }).then((n) => n > 0),
    ),
  );
  return {
    members: page.map((membership, i) => ({ ...toMember(membership), emailVerified: verified[i]! })),
    ...(nextCursor && { nextCursor }),
  };
}

export const roleSchema = z.enum(ROLES);

/**
 * Change a member's role. Owners and admins manage admins and members; only an owner grants or
 * takes `owner` (an admin touching an owner: 403). Taking away the last owner is refused (409).
 * Under the organization's lock, like every change of its owners, so two owners demoting each
 * other at once cannot both succeed. The member's sessions in the organization end (and with them
 * their tokens): they log in again and get the new role.
 */
export async function changeMemberRole(
  actor: Actor,
  userId: string,
  role: Role,
  context: RequestContext = {},
): Promise<Member> {
  requireScope(actor, "members:manage", "change roles");
  const newRole = parseInput(roleSchema, role);
  return changeMembers(actor, userId, "change roles", async (db, current, target, caller) => {
    const touchesOwner = target.role === "owner" || newRole === "owner";
    if (touchesOwner) requireScope(caller, "owners:manage", "grant or take the owner role");
    if (target.role === "owner" && newRole !== "owner") await assertNotLastOwner(db, target);
    if (target.role === newRole) return toMember(target);
    const updated = { ...target, role: newRole, grant: new ObjectId(), updated_at: nowOf(context) };
    const change = await beginChange(
      db,
      eventActorOf(actor),
      [
        {
          type: "member.role_changed",
          organizationId: target.organization_id,
          data: { user_id: target.user_id.toHexString(), email: target.email, from: target.role, to: newRole },
          proof: { kind: "marked", collection: "memberships", id: target._id },
        },
      ],
      updated.updated_at,
    );
    await db.memberships.updateOne(
      { _id: target._id },
      {
        $set: {
          role: newRole,
          grant: updated.grant,
          updated_at: updated.updated_at,
          ...change.mark("member.role_changed"),
        },
      },
    );
    await change.commit(db);
    await revokeMembershipSessions(db, target.organization_id, target.user_id);
    await recordAudit(
      db,
      {
        action: "member.role_changed",
        organizationId: target.organization_id,
        userId: current.user_id,
        email: target.email,
        details: { user_id: target.user_id.toHexString(), from: target.role, to: newRole },
      },
      context,
    );
    return toMember(updated);
  });
}

/**
 * Remove a member; removing yourself is leaving, which every role may do. Removing someone else
 * takes `members:manage`, and `owners:manage` for an owner. The last owner can neither leave nor be
 * removed (409). Their sessions in this organization end; a user left without any organization
 * is deleted.
 */
export async function removeMember(actor: Actor, userId: string, context: RequestContext = {}) {
  requireScope(actor, "profile:write", "remove members or leave");
  return changeMembers(actor, userId, "remove members", async (db, current, target, caller) => {
    if (target.role === "owner") {
      const leaving = target.user_id.equals(current.user_id);
      if (!leaving) requireScope(caller, "owners:manage", "remove an owner");
      await assertNotLastOwner(db, target);
    }
    const leaving = target.user_id.equals(current.user_id);
    const change = await beginChange(
      db,
      eventActorOf(actor),
      [
        {
          type: "member.removed",
          organizationId: target.organization_id,
          data: { user_id: target.user_id.toHexString(), email: target.email, role: target.role, left: leaving },
          // A membership is re-created under the same `_id` when the user joins again: that one is another.
          proof: {
            kind: "gone",
            collection: "memberships",
            id: target._id,
            incarnation: { field: "joined_at", value: target.joined_at },
          },
        },
      ],
      nowOf(context),
    );
    await db.memberships.deleteOne({ _id: target._id });
    await change.commit(db);
    await revokeMembershipSessions(db, target.organization_id, target.user_id);
    await deleteUserIfNoMemberships(db, target.user_id);
    await recordAudit(
      db,
      {
        action: "member.removed",
        organizationId: target.organization_id,
        userId: current.user_id,
        email: target.email,
        details: { user_id: target.user_id.toHexString(), role: target.role, left: leaving },
      },
      context,
    );
    return { removed: true as const };
  });
}

/**
 * The shape of every change of membership: under the organization's lock, the caller's own
 * membership read again (its role now, not when the token was checked) and the target's; a change
 * of someone else needs `members:manage`. `caller` is who the permission checks ask about: that
 * role now, with the token's scopes.
 */
async function changeMembers<T>(
  actor: Actor,
  userId: string,
  action: string,
  change: (db: Database, current: MembershipDocument, target: MembershipDocument, caller: ScopedCaller) => Promise<T>,
): Promise<T> {
  const targetId = toObjectId(userId);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  return withOrganizationLock(db, organization._id, async () => {
    const [current, target] = await Promise.all([
      db.memberships.findOne({ _id: membershipId(organization._id, actor.userId) }),
      targetId ? db.memberships.findOne({ _id: membershipId(organization._id, targetId) }) : null,
    ]);
    if (!current) throw new ForbiddenError("The caller is no longer a member of this organization.");
    const caller: ScopedCaller = { role: current.role, scopes: actor.scopes };
    const self = targetId?.toHexString() === actor.userId;
    if (!self) requireScope(caller, "members:manage", action);
    if (!target) throw new NotFoundError("No member of this organization has this id.");
    return change(db, current, target, caller);
  });
}

async function assertNotLastOwner(db: Database, target: MembershipDocument): Promise<void> {
  const owners = await db.memberships.countDocuments(
    { organization_id: target.organization_id, role: "owner" },
    { limit: 2 },
  );
  if (owners < 2) {
    throw new ConflictError("An organization keeps at least one owner: make someone else owner first.", "role", {
      issue: "would leave the organization without an owner",
    });
  }
}
