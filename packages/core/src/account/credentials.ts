import type { ObjectId } from "mongodb";
import { checkpoint } from "../checkpoints";
import { nowOf, type RequestContext } from "../context";
import type { Database } from "../db/client";
import type { UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, UnauthenticatedError } from "../errors";
import { logger, requestFields } from "../logger";
import { withCredentialsLock } from "../organizations/lock";
import { beginChange } from "../events/change";
import type { EventType } from "../events/types";
import { organizationsOf } from "../members/membership";
import { revokeSessionsOfOtherCredentials } from "../sessions/revoke";

/**
 * A change of a user's credentials that belongs to no organization (a password reset, a confirmed
 * email change), all the way to what mirrors them, under the user's credentials lock (so that two
 * changes never bump to the same version):
 *
 * 1. the user takes the new credentials and the next version, read under the lock, with
 *    `credentials_changing` set (the unique email index refuses an address another user has: 409);
 * 2. the memberships mirror the new version (and email); every session opened under another
 *    version is deleted, and with it every link mailed and every two-factor login begun under the
 *    old credentials (tokens issued before stop working at their next request);
 * 3. the marker goes.
 *
 * A crash after step 1 leaves the marker: {@link finishCredentialChanges} (the reconciler) repeats
 * step 2 from the user as stored, so no session outlives the change for longer than the grace
 * period. `written` is called once step 1 is done: from then on the change has happened, whatever
 * fails after it. Returns the user as changed.
 */
export function changeUserCredentials(
  db: Database,
  userId: ObjectId,
  change: (user: UserDocument) => { password_hash?: string; email?: string; email_verified?: boolean },
  now: Date,
  written: () => void = () => undefined,
): Promise<UserDocument> {
  return withCredentialsLock(db, userId, async () => {
    const user = await db.users.findOne({ _id: userId });
    if (!user) throw new UnauthenticatedError();
    const fieldsChanged = change(user);
    const changed: UserDocument = {
      ...user,
      ...fieldsChanged,
      credentials_version: user.credentials_version + 1,
      credentials_changing: now,
      updated_at: now,
    };
    const events = await beginCredentialEvents(db, user, fieldsChanged, now);
    const { _id, event_marks: _marks, ...fields } = changed;
    try {
      await db.users.updateOne({ _id: userId }, { $set: { ...fields, ...events.marks } });
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        await events.change.abandon(db);
        throw emailTaken();
      }
      throw error;
    }
    written();
    await checkpoint("credentials", 1);
    await finish(db, changed);
    await events.change.commit(db);
    return changed;
  });
}

/** The events of a change of credentials, told to each organization of the user, marked on the user. */
async function beginCredentialEvents(
  db: Database,
  user: UserDocument,
  fields: { password_hash?: string; email?: string },
  at: Date,
) {
  const types: EventType[] = [
    ...(fields.email !== undefined && fields.email !== user.email ? (["user.email_changed"] as const) : []),
    ...(fields.password_hash !== undefined ? (["user.password_changed"] as const) : []),
  ];
  const organizations = await organizationsOf(db, user._id);
  const data = (type: EventType) => ({
    user_id: user._id.toHexString(),
    email: fields.email ?? user.email,
    ...(type === "user.email_changed" && { previous_email: user.email }),
  });
  const change = await beginChange(
    db,
    { type: "user", id: user._id.toHexString() },
    types.flatMap((type) =>
      organizations.map((organizationId) => ({
        type,
        organizationId,
        data: data(type),
        proof: { kind: "marked", collection: "users", id: user._id } as const,
      })),
    ),
    at,
  );
  return { change, marks: Object.assign({}, ...types.map((type) => change.mark(type))) as Record<string, string> };
}

/** Steps 2 and 3 for the user as stored: idempotent, so the reconciler may repeat them. */
async function finish(db: Database, user: Pick<UserDocument, "_id" | "email" | "credentials_version">): Promise<void> {
  await mirrorCredentials(db, user._id, { email: user.email, credentials_version: user.credentials_version });
  // Conditional on the version: a later change's marker is its own to clear.
  await db.users.updateOne(
    { _id: user._id, credentials_version: user.credentials_version },
    { $unset: { credentials_changing: "" } },
  );
}

/** The reconciler's part: finish every change of credentials begun at least the grace period ago. */
export async function finishCredentialChanges(db: Database, cutoff: Date): Promise<number> {
  let finished = 0;
  const changing = db.users.find(
    { credentials_changing: { $lte: cutoff } },
    { projection: { email: 1, credentials_version: 1 } },
  );
  for await (const user of changing) {
    await finish(db, user);
    finished++;
  }
  return finished;
}

/**
 * The change a claimed link proves (a reset, a confirmed email change): once the user's
 * credentials are written the link is spent, whatever fails afterwards (the reconciler finishes
 * the mirroring); if they never were, the link is put back and still works.
 */
export async function changeProvenByLink(
  db: Database,
  claim: { release(): Promise<void>; consumed(): Promise<void> },
  userId: ObjectId,
  change: (user: UserDocument) => { password_hash?: string; email?: string; email_verified?: boolean },
  context: RequestContext,
): Promise<void> {
  let written = false;
  try {
    await changeUserCredentials(db, userId, change, nowOf(context), () => {
      written = true;
    });
  } catch (error) {
    await (written ? claim.consumed() : claim.release()).catch(() => undefined);
    if (!written) throw error;
    logger.warn("credential change left for the reconciler to finish", {
      error: (error as Error).name,
      ...requestFields(context),
    });
  }
  await claim.consumed();
}

/** A user's email is unique: another user has this one (the users' unique email index refused it). */
export function emailTaken(): ConflictError {
  return new ConflictError("A user with this email already exists.", "email");
}

/**
 * Set a user's credentials, mirror the email and version on their memberships, and end every
 * session of theirs opened under other credentials (sessions mirror them too: see openSession).
 */
export async function setCredentials(
  db: Database,
  userId: ObjectId,
  credentials: {
    email?: string;
    email_verified?: boolean;
    password_hash?: string;
    credentials_version: number;
    updated_at?: Date;
  },
): Promise<void> {
  await db.users.updateOne({ _id: userId }, { $set: credentials });
  await mirrorCredentials(db, userId, credentials);
}

/**
 * What mirrors a user's credentials follows them: the memberships take the version (and email);
 * whatever was opened or sent under other credentials ends — sessions, the links mailed for the
 * account (a pending email change, a reset), and two-factor logins waiting for their code.
 * Idempotent: keyed on the version, a repeat never touches what the new credentials opened.
 */
export async function mirrorCredentials(
  db: Database,
  userId: ObjectId,
  { email, credentials_version }: { email?: string; credentials_version: number },
): Promise<void> {
  await db.memberships.updateMany(
    { user_id: userId },
    { $set: { credentials_version, ...(email !== undefined && { email }) } },
  );
  await Promise.all([
    revokeSessionsOfOtherCredentials(db, userId, credentials_version),
    db.accountTokens.deleteMany({ user_id: userId, credentials_version: { $ne: credentials_version } }),
    db.mfaChallenges.deleteMany({ user_id: userId, credentials_version: { $ne: credentials_version } }),
  ]);
}
