import { requireScope, type Scope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import type { SessionDocument } from "../db/documents";
import { NotFoundError, UnauthenticatedError, ValidationError } from "../errors";
import { afterTimeAndId, pageLimit, pageOf, parseTimeAndIdCursor, timeAndIdCursor } from "../paging";
import { SESSIONS_PAGE_MAX } from "./page";
import { type AuthenticatedActor, toObjectId } from "../organizations/model";

/** A session as its user sees it in the list. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly organizationId: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
  readonly idleExpiresAt: Date;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly mfa: boolean;
  /** The session of the request that asks. */
  readonly current: boolean;
}

/** The caller as a session's owner, allowed `scope`: their user id and their current session, both as ObjectIds. */
function ownerOf(
  actor: AuthenticatedActor,
  scope: Scope,
  action: string,
  options?: Parameters<typeof requireScope>[3],
) {
  requireScope(actor, scope, action, options);
  const userId = toObjectId(actor.userId);
  const sessionId = toObjectId(actor.sessionId);
  if (!userId || !sessionId) throw new UnauthenticatedError();
  return { userId, sessionId };
}

/** `POST /auth/logout`: the current session ends; its access token is refused from the next request, its refresh token dead. */
export async function logout(actor: AuthenticatedActor, context: RequestContext = {}): Promise<void> {
  // Ending one's session is never withheld, verified email or second factor enrolled or not.
  const { sessionId } = ownerOf(actor, "profile:write", "log out", {
    whileUnverified: "allowed",
    whileEnrollingMfa: "allowed",
  });
  const db = await database();
  const ended = await db.sessions.findOneAndDelete({ _id: sessionId });
  if (!ended) return; // ended meanwhile: logging out twice is no error
  await recordAudit(
    db,
    {
      action: "session.logout",
      organizationId: ended.organization_id,
      userId: ended.user_id,
      email: ended.email,
      details: { session_id: sessionId.toHexString() },
    },
    context,
  );
}

export interface SessionPage {
  readonly sessions: readonly SessionSummary[];
  /** Pass as `cursor` for the next page. */
  readonly nextCursor?: string;
}

/**
 * The caller's live sessions, in every organization of theirs, the most recently used first, a
 * page at a time. The order is by last use, which every request moves: a session used while the
 * caller pages goes to the first page (keyset paging on last use and id never shows one twice on
 * the pages that follow, but may miss it there — the current session, used by the paging itself,
 * is on the first page).
 */
export async function listSessions(
  actor: AuthenticatedActor,
  options: { limit?: number; cursor?: string } = {},
  context: RequestContext = {},
): Promise<SessionPage> {
  // Seeing and ending one's own sessions only takes access away: allowed before enrolling a second factor.
  const { userId, sessionId } = ownerOf(actor, "org:read", "list their sessions", { whileEnrollingMfa: "allowed" });
  const limit = pageLimit(options.limit, 50, SESSIONS_PAGE_MAX);
  const after = options.cursor === undefined ? undefined : sessionCursorBound(options.cursor);
  const now = nowOf(context);
  const db = await database();
  const sessions = await db.sessions
    .find({
      user_id: userId,
      expires_at: { $gt: now },
      idle_expires_at: { $gt: now },
      ...(after && afterTimeAndId("last_used_at", after)),
    })
    .sort({ last_used_at: -1, _id: -1 })
    .limit(limit + 1)
    .toArray();
  const { items, nextCursor } = pageOf(sessions, limit, (last) => timeAndIdCursor(last.last_used_at, last._id));
  return {
    sessions: items.map((session) => toSummary(session, sessionId.toHexString())),
    ...(nextCursor && { nextCursor }),
  };
}

function sessionCursorBound(cursor: string) {
  const { time, id } = parseTimeAndIdCursor(cursor, "cursor");
  const sessionId = toObjectId(id);
  if (!sessionId) throw new ValidationError([{ path: "cursor", message: "is not a cursor from a previous page" }]);
  return { time, id: sessionId };
}

function toSummary(session: SessionDocument, currentId: string): SessionSummary {
  return {
    sessionId: session._id.toHexString(),
    organizationId: session.organization_id.toHexString(),
    createdAt: session.created_at,
    lastUsedAt: session.last_used_at,
    expiresAt: session.expires_at,
    idleExpiresAt: session.idle_expires_at,
    ...(session.source_ip && { sourceIp: session.source_ip }),
    ...(session.user_agent && { userAgent: session.user_agent }),
    mfa: session.mfa,
    current: session._id.toHexString() === currentId,
  };
}

/** `DELETE /me/sessions/{id}`: one of the caller's own sessions (the current one too); anyone else's is a 404, like an unknown id. */
export async function revokeSession(
  actor: AuthenticatedActor,
  id: string,
  context: RequestContext = {},
): Promise<void> {
  const { userId } = ownerOf(actor, "profile:write", "revoke a session", { whileEnrollingMfa: "allowed" });
  const target = toObjectId(id);
  const db = await database();
  const revoked = target && (await db.sessions.findOneAndDelete({ _id: target, user_id: userId }));
  if (!revoked) throw new NotFoundError("You have no session with this id.");
  await recordAudit(
    db,
    {
      action: "session.revoked",
      organizationId: revoked.organization_id,
      userId: revoked.user_id,
      email: revoked.email,
      details: { session_id: revoked._id.toHexString(), current: revoked._id.toHexString() === actor.sessionId },
    },
    context,
  );
}

/** `DELETE /me/sessions`: every session of the caller but the current one. Returns how many ended. */
export async function revokeOtherSessions(actor: AuthenticatedActor, context: RequestContext = {}): Promise<number> {
  const { userId, sessionId } = ownerOf(actor, "profile:write", "revoke their other sessions", {
    whileEnrollingMfa: "allowed",
  });
  const db = await database();
  const { deletedCount } = await db.sessions.deleteMany({ user_id: userId, _id: { $ne: sessionId } });
  if (deletedCount > 0) {
    await recordAudit(
      db,
      {
        action: "session.revoked",
        organizationId: toObjectId(actor.organizationId),
        userId,
        email: actor.email,
        details: { others: true, count: String(deletedCount), kept_session_id: sessionId.toHexString() },
      },
      context,
    );
  }
  return deletedCount;
}
