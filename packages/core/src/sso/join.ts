import { ObjectId } from "mongodb";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import type { Database } from "../db/client";
import type { OrganizationDocument, UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { addMemberWithoutInvitation } from "../members/add-member";
import { membershipId } from "../members/membership";
import { hashPassword } from "../passwords";
import { allowsMemberAddress } from "../policies/invitation-domains";
import { newRandomSecret } from "../random-secret";
import { SsoLoginRefusedError } from "./refusal";

/**
 * An account nobody proved the address of may be someone else's, made in advance with this email:
 * the provider's word does not hand it over. Verifying the address (or a password reset) proves the
 * mailbox's owner holds it; then single sign-on finds it.
 */
function refuseUnlessVerified(user: Pick<UserDocument, "email_verified">): void {
  if (user.email_verified !== true) {
    throw new SsoLoginRefusedError(
      "account_unverified",
      "An account with this email exists whose address is not verified: verify it first.",
    );
  }
}

/**
 * Just-in-time membership: the user an organization's identity provider vouched for (an email in
 * one of the organization's verified domains) is found, or made, and becomes a `member` if not one
 * already. A user made here has a verified email and a password nobody knows (a random secret's
 * hash), so a password login fails for them as for a wrong password until they choose one by
 * password reset. Races of two sign-ins of the same new user end in one user and one membership:
 * the unique email and the membership's `_id` decide.
 */
export async function joinBySingleSignOn(
  db: Database,
  organization: OrganizationDocument,
  email: string,
  name: string | undefined,
  context: RequestContext,
): Promise<{ user: Pick<UserDocument, "_id" | "email" | "credentials_version">; joined: boolean }> {
  const now = nowOf(context);
  let user = await db.users.findOne(
    { email },
    { projection: { _id: 1, email: 1, credentials_version: 1, email_verified: 1 } },
  );
  if (user) refuseUnlessVerified(user);
  let newUser = false;
  if (!user) {
    const created: UserDocument = {
      _id: new ObjectId(),
      email,
      email_verified: true,
      password_hash: await hashPassword(newRandomSecret().secret),
      credentials_version: 1,
      created_at: now,
      updated_at: now,
    };
    try {
      await db.users.insertOne(created);
      user = created;
      newUser = true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Made a moment ago, by another sign-in of theirs or by someone else (a sign-up): the same
      // rule as above, or an account made in advance in that moment would be handed over.
      user = await db.users.findOne(
        { email },
        { projection: { _id: 1, email: 1, credentials_version: 1, email_verified: 1 } },
      );
      if (!user) throw error;
      refuseUnlessVerified(user);
    }
  }
  if (await db.memberships.findOne({ _id: membershipId(organization._id, user._id) }, { projection: { _id: 1 } })) {
    return { user, joined: false };
  }
  // The owners' rule for who may become a member holds for every way in, this one too.
  if (!allowsMemberAddress(organization, email)) {
    throw new SsoLoginRefusedError("not_allowed_by_policy", "The organization does not admit members at this address.");
  }

  const joined = await addMemberWithoutInvitation(
    db,
    organization._id,
    user,
    { type: "user", id: user._id.toHexString() },
    now,
    { via: "sso" },
  );
  // Another sign-in of theirs made them a member a moment ago: a member either way.
  if (!joined) return { user, joined: false };
  await recordAudit(
    db,
    {
      action: "sso.member_joined",
      organizationId: organization._id,
      userId: user._id,
      email: user.email,
      details: { new_user: newUser, ...(name !== undefined && { name: name.slice(0, 128) }) },
    },
    context,
  );
  return { user, joined: true };
}
