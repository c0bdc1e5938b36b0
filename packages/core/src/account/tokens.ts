import { hashRandomSecret, newRandomSecret } from "../random-secret";
import { ObjectId } from "mongodb";
import type { Database } from "../db/client";
import type { AccountTokenDocument, AccountTokenPurpose } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { GoneError, UnauthenticatedError } from "../errors";

/**
 * The single-use tokens of mailed links (password reset, email verification, email change): 256
 * random bits, shown only in the mail, stored only as their SHA-256 (enough for a random secret of
 * that size: there is nothing to guess from it).
 */
const hashOf = hashRandomSecret;

export interface IssuedAccountToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * A new token for the user and purpose, mailed to `email`; every older one of theirs for the
 * purpose stops working (deleted here, and refused at use if this delete never ran).
 */
export async function issueAccountToken(
  db: Database,
  request: { purpose: AccountTokenPurpose; userId: ObjectId; email: string; ttlSeconds: number; now: Date },
): Promise<IssuedAccountToken> {
  const user = await db.users.findOne({ _id: request.userId }, { projection: { credentials_version: 1 } });
  if (!user) throw new UnauthenticatedError();
  const { secret: token, hash } = newRandomSecret();
  const document: AccountTokenDocument = {
    _id: hash,
    purpose: request.purpose,
    user_id: request.userId,
    email: request.email,
    issued: new ObjectId(),
    credentials_version: user.credentials_version,
    created_at: request.now,
    expires_at: new Date(request.now.getTime() + request.ttlSeconds * 1000),
  };
  await db.accountTokens.insertOne(document);
  // Older only: of two requests at once, the newer's token survives the older's delete.
  await db.accountTokens.deleteMany({
    user_id: request.userId,
    purpose: request.purpose,
    issued: { $lt: document.issued },
  });
  return { token, expiresAt: document.expires_at };
}

/** A token claimed by this request alone; `release` puts it back if the work it proves then fails. */
export interface ClaimedAccountToken {
  readonly document: AccountTokenDocument;
  release(): Promise<void>;
  /** The work is done: the token is gone for good. */
  consumed(): Promise<void>;
}

/**
 * One answer (410) for a token that is unknown, used, expired, voided by a newer one, or for
 * another purpose: which of these it is would tell a holder of a stolen link nothing useful, and
 * anyone else something.
 */
export const linkGone = (what: string): GoneError =>
  new GoneError(`This ${what} link is unknown, used, expired or replaced by a newer one: ask for a new one.`);

/**
 * Claim a token for `purpose`: it must exist, be unexpired, be the user's newest for the purpose,
 * have been issued under the user's current credentials, and pass `stillHolds` (what it was mailed
 * for is still so: the user still has the address it was mailed to); then the `used_once` record keyed by its hash is inserted, and the unique key lets
 * exactly one of any number of concurrent claims through. Everything else is {@link linkGone}.
 */
export async function claimAccountToken(
  db: Database,
  request: {
    token: string;
    purpose: AccountTokenPurpose;
    /** What the link is, for the 410's message: "password reset". */
    what: string;
    now: Date;
    stillHolds?: (document: AccountTokenDocument) => Promise<boolean>;
  },
): Promise<ClaimedAccountToken> {
  const { purpose, what, now } = request;
  const id = hashOf(request.token);
  const document = await db.accountTokens.findOne({ _id: id });
  if (!document || document.purpose !== purpose || document.expires_at <= now) throw linkGone(what);
  const newer = await db.accountTokens.countDocuments(
    { user_id: document.user_id, purpose, issued: { $gt: document.issued } },
    { limit: 1 },
  );
  const current =
    (await db.users.countDocuments(
      { _id: document.user_id, credentials_version: document.credentials_version },
      { limit: 1 },
    )) > 0;
  if (newer > 0 || !current || (request.stillHolds && !(await request.stillHolds(document)))) throw linkGone(what);
  const useId = `account:${id}`;
  try {
    await db.usedOnce.insertOne({
      _id: useId,
      user_id: document.user_id,
      kind: "account-token",
      used_at: now,
      expires_at: document.expires_at,
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw linkGone(what);
    throw error;
  }
  return {
    document,
    release: async () => {
      await db.usedOnce.deleteOne({ _id: useId });
    },
    // With every older one of its kind: one an interrupted issue left would otherwise be the newest again.
    consumed: async () => {
      await db.accountTokens.deleteMany({ user_id: document.user_id, purpose, issued: { $lte: document.issued } });
    },
  };
}
