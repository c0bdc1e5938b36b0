import type { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { InvalidGrantError, OrganizationSuspendedError } from "../errors";
import { parseInput, presentedTokenSchema } from "../validation";
import { refuseUnlessSessionAllowed } from "../sso/enforcement";
import { hasEnded, hashRefreshToken, idleEndAfter, type IssuedSession, newRefreshToken, tokensFor } from "./session";

export const refreshInputSchema = z.object({
  refreshToken: presentedTokenSchema("a refresh token"),
});
export type RefreshInput = z.input<typeof refreshInputSchema>;

const invalid = () => new InvalidGrantError("The refresh token is unknown, used, revoked or expired: log in again.");

/**
 * Rotate: a refresh token buys a new access token and a new refresh token, once. The refresh that
 * inserts the token's use (a unique key: the token's hash) is the one that rotates; presenting a
 * token that was used already — by an earlier refresh, or by a concurrent one that got there
 * first — is a reuse, and revokes the whole session (RFC 9700 §4.14.2: one of the two presenters
 * holds a stolen token, and the server cannot tell which). A legitimate client refreshes with a
 * token once.
 *
 * Every failure is the same 401. An ended session (idle or absolute) is deleted on the way.
 *
 * The new access token is issued from the state as it is now (session.ts's `tokensFor`): an
 * organization that turned two-factor login on restricts it to enrolling a factor, and a user who
 * has since enrolled one gets a full token again.
 */
export async function refreshSession(input: RefreshInput, context: RequestContext = {}): Promise<IssuedSession> {
  const { refreshToken } = parseInput(refreshInputSchema, input);
  const now = nowOf(context);
  const db = await database();
  const hash = hashRefreshToken(refreshToken);
  const issued = await db.refreshTokens.findOne({ _id: hash });
  if (!issued || issued.expires_at <= now) throw invalid();

  // Read before the use is recorded: once it is, a concurrent reuse may delete the session, and
  // the refresh that won must still answer (exactly one of any number of racers does).
  const session = await db.sessions.findOne({ _id: issued.session_id });
  if (!session) throw invalid();
  if (hasEnded(session, now)) {
    await db.sessions.deleteOne({ _id: session._id });
    throw invalid();
  }
  // Refused before the token is spent: once reactivated, the same refresh token works again. The
  // organization decides, not the session's mark, which a reactivation may not have cleared yet.
  if (await isSuspended(db, session.organization_id)) throw new OrganizationSuspendedError();
  // A password session of a user whose domain's organization has since enforced single sign-on
  // renews no more (its owners excepted); one opened by single sign-on, while that organization
  // still holds the domain.
  await refuseUnlessSessionAllowed(db, session, context);

  try {
    await db.refreshTokenUses.insertOne({
      _id: hash,
      session_id: issued.session_id,
      used_at: now,
      expires_at: issued.expires_at,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const revoked = await db.sessions.findOneAndDelete({ _id: issued.session_id });
    if (revoked) {
      await recordAudit(
        db,
        {
          action: "session.refresh_reuse_detected",
          organizationId: revoked.organization_id,
          userId: revoked.user_id,
          email: revoked.email,
          details: { session_id: revoked._id.toHexString() },
        },
        context,
      );
    }
    throw invalid();
  }

  const next = newRefreshToken();
  // Verifying changes no credentials and ends no session: a session opened before it learns of it here.
  const verified =
    session.email_verified === true ||
    (await db.users.countDocuments({ _id: session.user_id, email_verified: true }, { limit: 1 })) > 0;
  const used = {
    ...session,
    last_used_at: now,
    idle_expires_at: idleEndAfter(now, session.expires_at),
    email_verified: verified,
  };
  // Only the refresh that won the rotation writes the session; a revocation meanwhile stays (an update never recreates a deleted document).
  await Promise.all([
    db.refreshTokens.insertOne({
      _id: next.hash,
      session_id: session._id,
      issued_at: now,
      expires_at: session.expires_at,
    }),
    db.sessions.updateOne(
      { _id: session._id },
      {
        $set: { last_used_at: used.last_used_at, idle_expires_at: used.idle_expires_at, email_verified: verified },
      },
    ),
  ]);
  // A suspension that flagged the sessions while this write read the old one is undone by it (an
  // update writes back what it read, on FerretDB): asked again after the write, and flagged again.
  if (await isSuspended(db, session.organization_id)) {
    // The rotation is taken back (the new token deleted, the old one's use forgotten), so that
    // the same refresh token works once the organization is reactivated, rather than looking reused.
    await Promise.all([
      db.sessions.updateOne({ _id: session._id }, { $set: { suspended: true } }),
      db.refreshTokens.deleteOne({ _id: next.hash }),
      db.refreshTokenUses.deleteOne({ _id: hash }),
    ]);
    throw new OrganizationSuspendedError();
  }
  return tokensFor(db, used, next.token, now);
}

const isSuspended = async (db: Database, organizationId: ObjectId): Promise<boolean> =>
  (await db.organizations.countDocuments({ _id: organizationId, suspended: { $exists: true } }, { limit: 1 })) > 0;
