import type { Collection } from "mongodb";
import type { InvitationDocument, UserDocument } from "./documents";

/**
 * Users from before `email_verified` was recorded get it once, on connect: verified where an
 * invitation they accepted was mailed to them and shown to nobody else (that proved the mailbox),
 * unverified otherwise. Conditional on the field still being absent, so containers connecting at
 * once agree and a second run changes nothing; with nobody left to migrate it costs one query.
 */
export async function migrateEmailVerified(db: {
  readonly users: Collection<UserDocument>;
  readonly invitations: Collection<InvitationDocument>;
}): Promise<number> {
  let migrated = 0;
  const unmarked = db.users.find({ email_verified: { $exists: false } }, { projection: { _id: 1, email: 1 } });
  for await (const user of unmarked) {
    const proven =
      (await db.invitations.countDocuments(
        { email: user.email, token_shown: false, accepted_at: { $exists: true } },
        { limit: 1 },
      )) > 0;
    const { modifiedCount } = await db.users.updateOne(
      { _id: user._id, email_verified: { $exists: false } },
      { $set: { email_verified: proven } },
    );
    migrated += modifiedCount;
  }
  return migrated;
}
