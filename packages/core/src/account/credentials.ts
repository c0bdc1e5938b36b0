import type { ObjectId } from "mongodb";
import { checkpoint } from "../checkpoints";
import type { Database } from "../db/client";
import type { UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { emailTaken, setCredentials } from "../organizations/steps";

/**
 * A change of a user's credentials that belongs to no organization (a password reset, a confirmed
 * email change), all the way to what mirrors them:
 *
 * 1. the user takes the new credentials and a new version, with `credentials_changing` set (the
 *    unique email index refuses an address another user has: 409);
 * 2. the memberships mirror the new version (and email), and every session opened under another
 *    version is deleted — tokens issued before the change stop working at their next request;
 * 3. the marker goes.
 *
 * A crash after step 1 leaves the marker: {@link finishCredentialChanges} (the reconciler) repeats
 * step 2 from the user as it is, so no session outlives the change for longer than the grace
 * period. Returns the new credentials version.
 */
export async function changeUserCredentials(
  db: Database,
  user: Pick<UserDocument, "_id" | "credentials_version">,
  change: { password_hash?: string; email?: string; email_verified?: boolean },
  now: Date,
): Promise<number> {
  const credentials_version = user.credentials_version + 1;
  try {
    await db.users.updateOne(
      { _id: user._id },
      { $set: { ...change, credentials_version, credentials_changing: now, updated_at: now } },
    );
  } catch (error) {
    if (isDuplicateKeyError(error)) throw emailTaken();
    throw error;
  }
  await checkpoint("credentials", 1);
  await mirrorCredentials(db, user._id);
  return credentials_version;
}

/** Steps 2 and 3, from the user as stored: idempotent, so the reconciler may repeat them. */
async function mirrorCredentials(db: Database, userId: ObjectId): Promise<void> {
  const user = await db.users.findOne({ _id: userId }, { projection: { email: 1, credentials_version: 1 } });
  if (!user) return;
  await setCredentials(db, userId, { email: user.email, credentials_version: user.credentials_version });
  // Conditional on the version: a later change's marker is its own to clear.
  await db.users.updateOne(
    { _id: userId, credentials_version: user.credentials_version },
    { $unset: { credentials_changing: "" } },
  );
}

/** The reconciler's part: finish every change of credentials begun at least the grace period ago. */
export async function finishCredentialChanges(db: Database, cutoff: Date): Promise<number> {
  let finished = 0;
  for await (const { _id } of db.users.find({ credentials_changing: { $lte: cutoff } }, { projection: { _id: 1 } })) {
    await mirrorCredentials(db, _id);
    finished++;
  }
  return finished;
}
