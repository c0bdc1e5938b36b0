import { hashRandomSecret, newRandomSecret } from "../random-secret";
import { ObjectId } from "mongodb";
import { issueAccessToken } from "../auth/tokens";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import type { Role } from "../auth/permissions";
import type { Database } from "../db/client";
import type { MembershipDocument, SessionDocument } from "../db/documents";
import { ConflictError, OrganizationSuspendedError } from "../errors";
import { mfaEnrollmentRequired } from "../policies/mfa-enrollment";
import type { Organization } from "../organizations/model";

/** What a login, an invitation accept, a refresh or a credential change hands the client. */
export interface IssuedSession {
  readonly accessToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  /** Opaque, single-use: exchanged at `POST /auth/refresh` for the next pair. */
  readonly refreshToken: string;
  /** Seconds until the refresh token stops working if unused (the session's idle or absolute end, whichever is first). */
  readonly refreshExpiresIn: number;
  readonly sessionId: string;
  /**
   * The organization requires two-factor login and the user has none: the access token only
   * enrolls one (policies/mfa-enrollment.ts); a refresh after enrolling issues a full one.
   */
  readonly mfaEnrollmentRequired?: true;
}

/** A login's answer (a password, two-factor or single sign-on login, an accept, a switch): the new session's tokens, for one organization. */
export interface LoginResult extends IssuedSession {
  readonly userId: string;
  readonly role: Role;
  readonly organization: Organization;
}

const DAY_MS = 86_400_000;
/** A user agent is shown, never interpreted: kept short. */
const USER_AGENT_MAX = 256;

/**
 * A refresh token: 256 random bits, shown once to the client, stored only as its SHA-256 (enough
 * for a random secret of that size: there is nothing to guess from it).
 */
export function newRefreshToken(): { token: string; hash: string } {
  const { secret, hash } = newRandomSecret();
  return { token: secret, hash };
}

export const hashRefreshToken = hashRandomSecret;

/** The idle end after a use at `now`: never past the absolute end. */
export function idleEndAfter(now: Date, expiresAt: Date): Date {
  return new Date(Math.min(now.getTime() + config().sessions.idleDays * DAY_MS, expiresAt.getTime()));
}

type Mirrored = Pick<SessionDocument, "role" | "grant" | "credentials_version">;

/** Whether a session (or the membership it was opened from) still mirrors the membership as it is now. */
export function stillMirrors(session: Mirrored, membership: Mirrored | null | undefined): boolean {
  if (!membership) return false;
  return (
    membership.grant.equals(session.grant) &&
    membership.role === session.role &&
    membership.credentials_version === session.credentials_version
  );
}

/** Whether the session is over at `now`: past its absolute or its idle end. */
export function hasEnded(session: Pick<SessionDocument, "expires_at" | "idle_expires_at">, now: Date): boolean {
  return session.expires_at <= now || session.idle_expires_at <= now;
}

/**
 * An access token from the session's mirror of its membership, and the refresh token given. The
 * one place a session's access tokens are issued (every login, accept, switch, credential change
 * and refresh comes here), so it is here that the organization's two-factor policy narrows them.
 */
export async function tokensFor(
  db: Database,
  session: SessionDocument,
  refreshToken: string,
  now: Date,
): Promise<IssuedSession> {
  const restricted = await mfaEnrollmentRequired(db, session);
  const { accessToken, expiresIn } = await issueAccessToken({
    sub: session.user_id.toHexString(),
    org: session.organization_id.toHexString(),
    sid: session._id.toHexString(),
    cv: session.credentials_version,
    role: session.role,
    gr: session.grant.toHexString(),
    emailVerified: session.email_verified === true,
    ...(restricted && { mfaEnrollmentRequired: true }),
  });
  const end = Math.min(session.idle_expires_at.getTime(), session.expires_at.getTime());
  return {
    accessToken,
    expiresIn,
    refreshToken,
    refreshExpiresIn: Math.max(0, Math.floor((end - now.getTime()) / 1000)),
    sessionId: session._id.toHexString(),
    ...(restricted && { mfaEnrollmentRequired: true as const }),
  };
}

export interface OpenSessionOptions {
  /** The login passed a second factor. */
  readonly mfa?: boolean;
  /** A session this one continues (a credential change replaces the caller's): its start, end and factor are kept. */
  readonly continues?: Pick<SessionDocument, "created_at" | "expires_at" | "mfa" | "sso_organization_id">;
  /** Opened by this organization's single sign-on (sso/login.ts), not by a password. */
  readonly ssoOrganizationId?: ObjectId;
}

/**
 * Open a session for a membership as it was read, and issue its first tokens.
 *
 * The session copies the membership's role, grant and credentials version, and every change of
 * those writes the membership first and then deletes the sessions it covers. A change landing
 * between the read of the membership and the insert of the session would miss it; so, once the
 * session is in, the membership is read again: if it changed, the session is deleted here and the
 * login refused (409, try again). Either the change's delete comes after the insert and removes
 * the session, or the change came before this second read and it sees it: no session outlives a
 * change of what it mirrors.
 */
export async function openSession(
  db: Database,
  membership: Pick<
    MembershipDocument,
    "_id" | "organization_id" | "user_id" | "role" | "grant" | "credentials_version" | "email"
  >,
  context: RequestContext = {},
  options: OpenSessionOptions = {},
): Promise<IssuedSession> {
  const now = nowOf(context);
  const user = await db.users.findOne({ _id: membership.user_id }, { projection: { email_verified: 1 } });
  const expiresAt = options.continues?.expires_at ?? new Date(now.getTime() + config().sessions.ttlDays * DAY_MS);
  const session: SessionDocument = {
    _id: new ObjectId(),
    user_id: membership.user_id,
    organization_id: membership.organization_id,
    membership_id: membership._id,
    role: membership.role,
    grant: membership.grant,
    credentials_version: membership.credentials_version,
    email: membership.email,
    created_at: options.continues?.created_at ?? now,
    last_used_at: now,
    ...(context.sourceIp && { source_ip: context.sourceIp }),
    ...(context.userAgent && { user_agent: context.userAgent.slice(0, USER_AGENT_MAX) }),
    expires_at: expiresAt,
    idle_expires_at: idleEndAfter(now, expiresAt),
    mfa: options.mfa ?? options.continues?.mfa ?? false,
    ...((options.ssoOrganizationId ?? options.continues?.sso_organization_id) && {
      sso_organization_id: options.ssoOrganizationId ?? options.continues?.sso_organization_id,
    }),
    email_verified: user?.email_verified === true,
  };
  const refresh = newRefreshToken();
  await Promise.all([
    db.sessions.insertOne(session),
    db.refreshTokens.insertOne({ _id: refresh.hash, session_id: session._id, issued_at: now, expires_at: expiresAt }),
  ]);
  const [current, suspended] = await Promise.all([
    db.memberships.findOne({ _id: membership._id }, { projection: { role: 1, grant: 1, credentials_version: 1 } }),
    // A suspension that flagged the organization's sessions before this one was in: read after the insert, as the membership is.
    db.organizations.countDocuments({ _id: membership.organization_id, suspended: { $exists: true } }, { limit: 1 }),
  ]);
  if (suspended > 0) {
    await db.sessions.deleteOne({ _id: session._id });
    throw new OrganizationSuspendedError();
  }
  if (!stillMirrors(membership, current)) {
    await db.sessions.deleteOne({ _id: session._id });
    throw new ConflictError("The membership or the credentials changed while logging in: log in again.", "session", {
      issue: "changed while the session was opening",
    });
  }
  return tokensFor(db, session, refresh.token, now);
}
