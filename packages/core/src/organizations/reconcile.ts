import { finishCredentialChanges } from "../account/credentials";
import { mendSuspensionMarks } from "../platform/suspension";
import type { ObjectId } from "mongodb";
import { deleteExpiredLoginFailures } from "../auth/login-throttle";
import { config } from "../config";
import { database, type Database } from "../db/client";
import { ConflictError } from "../errors";
import { withOrganizationLock } from "./lock";
import { settleEventIntents } from "../events/settle";
import { markSlot } from "../events/change";
import { continueMoves } from "../cells/move";
import { settleExports } from "../archives/exports";
import { recheckDomains } from "../domains/recheck";
import { deleteUserIfNoMemberships, type Outcome, reconcileOrganization } from "./steps";
import { closeInvitation } from "../invitations/close";
import { membershipId } from "../members/membership";
import { stillMirrors } from "../sessions/session";

/** What one reconcile run repaired, by kind. */
export interface ReconcileReport {
  readonly createsUndone: number;
  readonly updatesFinished: number;
  readonly updatesUndone: number;
  readonly deletesFinished: number;
  /** Users left without any membership (`orphanAdminsDeleted` in earlier versions' reports). */
  readonly orphanUsersDeleted: number;
  readonly orphanMembershipsDeleted: number;
  readonly staleInvitationClaimsReleased: number;
  readonly staleLocksRemoved: number;
  readonly expiredLoginFailuresDeleted: number;
  /** Sessions whose membership is gone or changed (a change that died before deleting them). */
  readonly staleSessionsRevoked: number;
  /** Password resets and email changes that died before their memberships mirrored them (account/credentials.ts). */
  readonly credentialChangesFinished: number;
  /** Sessions whose suspension mark disagreed with their organization (a write that raced the marking). */
  readonly suspensionMarksMended: number;
  /** Sessions past their idle or absolute end. */
  readonly expiredSessionsDeleted: number;
  /** Expired refresh tokens and their uses, two-factor enrollments and challenges, used codes and mailed links. */
  readonly expiredSessionRecordsDeleted: number;
  /** Tenant moves carried on (cells/move.ts), and how many of them it finished. */
  readonly movesContinued: number;
  readonly movesFinished: number;
  /**
   * Events whose writer died between announcing a change and appending them (events/settle.ts):
   * appended, because the change happened, or dropped, because it did not.
   */
  readonly eventsAppended: number;
  readonly eventsDropped: number;
  /** Exports whose worker stopped (archives/exports.ts), failed so that another may start; archives past their retention removed. */
  readonly exportsFailed: number;
  readonly archivesExpired: number;
  /** Verified domains' records looked up again, domains unverified, claims and rows mended (domains/recheck.ts). */
  readonly domainsRechecked: number;
  readonly domainsUnverified: number;
  readonly domainMirrorsMended: number;
}

/** The share of a run given to carrying moves on: the scheduled function has 120 s in all. */
export const RECONCILE_MOVE_BUDGET_MS = 60_000;

/**
 * Finishes or undoes operations that a crash interrupted, found by their `pending` marker once it
 * is older than the grace period (so no live request is still working on them):
 *
 * - create → undone (the client never got a 201): collection, the owner's membership (and the
 *   owner, if the create made them) and record go;
 * - update → finished (credentials set, collection renamed, marker removed), or undone as a whole
 *   when finishing is impossible because the email or name has been taken meanwhile;
 * - delete → finished: collection, invitations, memberships, record.
 *
 * Then memberships whose organization record is gone are deleted, users left without any
 * membership, invitation claims whose accept died halfway, sessions that no longer match their
 * membership, and everything expired: login failures, sessions, refresh tokens and their uses,
 * two-factor enrollments, challenges and used codes. Tenant moves under way are carried on as far
 * as their drain periods allow (cells/move.ts). Every
 * step is idempotent and conditional on the state it expects, so runs may overlap with each other
 * and with traffic.
 */
export async function reconcile(
  /** `now`: the time the domains' re-check judges ages by (tests move it to a day later). */
  options: { graceSeconds?: number; moveBudgetMs?: number; now?: Date } = {},
): Promise<ReconcileReport> {
  const db = await database();
  const graceSeconds = options.graceSeconds ?? config().reconcileGraceSeconds;
  // At least the grace period old (inclusive): with no grace, everything started up to now, even
  // within this very millisecond, which is what `--grace 0` and the tests mean.
  const cutoff = new Date(Date.now() - 1000 * graceSeconds);
  const counts: Record<Outcome, number> = {
    "create-undone": 0,
    "update-finished": 0,
    "update-undone": 0,
    "delete-finished": 0,
  };

  // Updates first: a rename in flight may still hold a collection name that a create or delete would otherwise touch.
  for (const op of ["update", "delete", "create"] as const) {
    const stale = db.organizations.find(
      { "pending.op": op, "pending.started_at": { $lte: cutoff } },
      { projection: { _id: 1 } },
    );
    for await (const { _id } of stale) {
      const outcome = await repairUnderLock(db, _id, graceSeconds).catch((error: unknown) => {
        if (error instanceof ConflictError) return undefined; // a live request holds it: next run
        throw error;
      });
      if (outcome) counts[outcome]++;
    }
  }

  const repaired = {
    createsUndone: counts["create-undone"],
    updatesFinished: counts["update-finished"],
    updatesUndone: counts["update-undone"],
    deletesFinished: counts["delete-finished"],
    orphanMembershipsDeleted: await deleteOrphanMemberships(db, cutoff),
    orphanUsersDeleted: await deleteOrphanUsers(db, cutoff),
    staleInvitationClaimsReleased: await releaseStaleInvitationClaims(db, cutoff),
    // Left by requests that died before or after their marker; the next change would take them over anyway.
    staleLocksRemoved: (
      await db.locks.deleteMany({
        $or: [{ renewed_at: { $lte: cutoff } }, { renewed_at: { $exists: false }, acquired_at: { $lte: cutoff } }],
      })
    ).deletedCount,
    expiredLoginFailuresDeleted: await deleteExpiredLoginFailures(db),
    // Before the stale sessions: finishing a change is what makes the sessions it ends stale.
    credentialChangesFinished: await finishCredentialChanges(db, cutoff),
    staleSessionsRevoked: await deleteStaleSessions(db, cutoff),
    suspensionMarksMended: await mendSuspensionMarks(db),
    ...(await deleteExpiredSessionRecords(db, new Date())),
    // After every repair above: a record they finished or undid now says whether its change happened.
    // Before the events: an export's outcome applied writes the mark its event's intent is judged by.
    ...(await settleExports(db, { now: new Date(), cutoff }).then(({ failed, expired }) => ({
      exportsFailed: failed,
      archivesExpired: expired,
    }))),
    ...(await settleEventIntents(db, cutoff)),
    // After the repairs (a deleted organization's domains are gone by now); its DNS lookups are bounded in count and time.
    ...(await recheckDomains(db, { now: options.now ?? new Date(), cutoff })),
  };
  // Last: a move never starts while a change is unfinished, the repairs above may have been in its
  // way, and a long one must not keep the rest of the run from happening.
  const moves = await continueMoves(db, { graceSeconds, budgetMs: options.moveBudgetMs ?? RECONCILE_MOVE_BUDGET_MS });
  return { ...repaired, movesContinued: moves.continued, movesFinished: moves.finished };
}

/**
 * A session mirrors its membership (role, grant, credentials version): a change writes the
 * membership, then deletes the sessions it covers. One that died in between left sessions that
 * no longer match: deleted here. Sessions younger than the grace period may still be opening (the
 * opener checks its own: see openSession).
 */
async function deleteStaleSessions(db: Database, cutoff: Date): Promise<number> {
  let deleted = 0;
  const sessions = db.sessions.find(
    { created_at: { $lte: cutoff } },
    { projection: { membership_id: 1, role: 1, grant: 1, credentials_version: 1 } },
  );
  for await (const session of sessions) {
    const membership = await db.memberships.findOne(
      { _id: session.membership_id },
      { projection: { role: 1, grant: 1, credentials_version: 1 } },
    );
    if (!stillMirrors(session, membership)) deleted += (await db.sessions.deleteOne({ _id: session._id })).deletedCount;
  }
  return deleted;
}

/** What a TTL index deletes where the server has them; everything that reads these filters on the expiry anyway. */
async function deleteExpiredSessionRecords(
  db: Database,
  now: Date,
): Promise<Pick<ReconcileReport, "expiredSessionsDeleted" | "expiredSessionRecordsDeleted">> {
  const expired = { expires_at: { $lte: now } };
  const sessions = await db.sessions.deleteMany({ $or: [expired, { idle_expires_at: { $lte: now } }] });
  const others = await Promise.all(
    [
      db.refreshTokens,
      db.refreshTokenUses,
      db.mfaEnrollments,
      db.mfaChallenges,
      db.usedOnce,
      db.accountTokens,
      db.ssoLogins,
      db.ssoHandoffs,
    ].map(async (collection) => (await (collection as typeof db.usedOnce).deleteMany(expired)).deletedCount),
  );
  return {
    expiredSessionsDeleted: sessions.deletedCount,
    expiredSessionRecordsDeleted: others.reduce((sum, count) => sum + count, 0),
  };
}

/** Take the organization's lock (a dead request's lock is stale and taken over), re-read, repair. */
async function repairUnderLock(
  db: Database,
  organizationId: ObjectId,
  graceSeconds: number,
): Promise<Outcome | undefined> {
  return withOrganizationLock(
    db,
    organizationId,
    async () => {
      const organization = await db.organizations.findOne({ _id: organizationId });
      return organization?.pending ? reconcileOrganization(db, organization) : undefined;
    },
    graceSeconds,
  );
}

/** Memberships are created after their record and deleted before it, so one without a record is left from a crash. */
async function deleteOrphanMemberships(db: Database, cutoff: Date): Promise<number> {
  let deleted = 0;
  const candidates = db.memberships.find({ joined_at: { $lte: cutoff } }, { projection: { organization_id: 1 } });
  for await (const membership of candidates) {
    const organization = await db.organizations.countDocuments({ _id: membership.organization_id }, { limit: 1 });
    if (organization === 0) deleted += (await db.memberships.deleteOne({ _id: membership._id })).deletedCount;
  }
  return deleted;
}

/** A user belongs to at least one organization: one left without any by a crash (or a delete) goes. */
async function deleteOrphanUsers(db: Database, cutoff: Date): Promise<number> {
  let deleted = 0;
  for await (const user of db.users.find({ created_at: { $lte: cutoff } }, { projection: { _id: 1 } })) {
    if (await deleteUserIfNoMemberships(db, user._id)) deleted++;
  }
  return deleted;
}

/**
 * An accept that died after claiming its invitation: if it got as far as the membership, the
 * invitation is marked accepted; otherwise the claim is released and the invitation can be used.
 */
async function releaseStaleInvitationClaims(db: Database, cutoff: Date): Promise<number> {
  let released = 0;
  for await (const claim of db.invitationClaims.find({ claimed_at: { $lte: cutoff } })) {
    const invitation = await db.invitations.findOne({ _id: claim._id });
    if (invitation && invitation.accepted_at === undefined && invitation.revoked_at === undefined) {
      const user = await db.users.findOne({ email: invitation.email }, { projection: { _id: 1 } });
      const member =
        user && (await db.memberships.findOne({ _id: membershipId(invitation.organization_id, user._id) }));
      if (member) {
        // The accept that died made the membership under its change's mark: the invitation it
        // closes now carries the same, so that the accept's `invitation.accepted` is appended with
        // its `member.added` (events/settle.ts, which runs after this).
        const change = member.event_marks?.[markSlot("member.added")];
        const mark = change ? { [`event_marks.${markSlot("invitation.accepted")}`]: change } : {};
        await closeInvitation(db, invitation, { accepted_at: member.joined_at }, mark);
        continue;
      }
    }
    if (!invitation || invitation.accepted_at === undefined) {
      released += (await db.invitationClaims.deleteOne({ _id: claim._id })).deletedCount;
    }
  }
  return released;
}
