import { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { sendEmailVerification } from "../account/email-verification";
import { recordAudit } from "../audit";
import { checkpoint } from "../checkpoints";
import { beginChange } from "../events/change";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument, UserDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { hashPassword } from "../passwords";
import { cellWithMostRoom } from "../cells/capacity";
import { NEW_TENANT_NAMESPACES, placementIn } from "../cells/placement";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { EmailNotVerifiedError, MfaEnrollmentRequiredError, UnauthenticatedError } from "../errors";
import { newMembership } from "../members/membership";
import { type Actor, toObjectId, toOrganization, type OrganizationWithAdmin } from "./model";
import { indexNames } from "./search";
import { clearPending, createTenantCollection, nameTaken, rollBackCreate } from "./steps";
import { emailTaken } from "../account/credentials";

export const createOrganizationInputSchema = z.object({
  organizationName: organizationNameSchema,
  email: emailSchema,
  password: passwordSchema,
});

export type CreateOrganizationInput = z.input<typeof createOrganizationInputSchema>;

/** A user who has signed up already creates another organization with only its name. */
export const createOrganizationForUserInputSchema = z.object({ organizationName: organizationNameSchema });

export type CreateOrganizationForUserInput = z.input<typeof createOrganizationForUserInputSchema>;

/**
 * Create the organization record, its owner and its tenant collection.
 *
 * 1. the record, marked `pending: create` (the unique slug index decides a race for the name),
 *    placed in the pool of the cell with the most room (503 no-capacity when none has any); the
 *    record is what counts the namespaces it takes there;
 * 2. the owner: a new user (the unique email index decides a race for the email) or the signed-in
 *    caller, and their owner membership;
 * 3. the tenant collection, created explicitly;
 * 4. the marker removed: only now does the organization exist for readers.
 * A failing step undoes the ones before it; a crash leaves the marker, and the reconciler undoes
 * the rest. The password is hashed before anything is written, so the slow part holds nothing.
 */
export async function createOrganization(
  input: CreateOrganizationInput,
  context?: RequestContext,
): Promise<OrganizationWithAdmin>;
export async function createOrganization(
  input: CreateOrganizationForUserInput,
  context: RequestContext,
  creator: Pick<Actor, "userId" | "emailUnverified" | "mfaEnrollmentRequired">,
): Promise<OrganizationWithAdmin>;
export async function createOrganization(
  input: CreateOrganizationInput | CreateOrganizationForUserInput,
  context: RequestContext = {},
  creator?: Pick<Actor, "userId" | "emailUnverified" | "mfaEnrollmentRequired">,
): Promise<OrganizationWithAdmin> {
  if (creator?.emailUnverified)
    throw new EmailNotVerifiedError("Verify your email address before you create an organization.");
  // A token that only enrolls a second factor (policies/mfa-enrollment.ts) does nothing else.
  if (creator?.mfaEnrollmentRequired)
    throw new MfaEnrollmentRequiredError(
      "The organization requires two-factor login: enroll an authenticator app and refresh the session before you create an organization.",
    );
  const db = await database();
  const now = nowOf(context);
  const owner = creator ? await signedUpUser(db, creator) : await newUser(input, now);
  const { organizationName } = parseInput(createOrganizationForUserInputSchema, {
    organizationName: input.organizationName,
  });

  const slug = slugify(organizationName);
  const organizationId = new ObjectId();
  const cell = await cellWithMostRoom(db, NEW_TENANT_NAMESPACES);
  const organization: OrganizationDocument = {
    _id: organizationId,
    admin_id: owner.user._id,
    name: organizationName,
    slug,
    collection_name: collectionNameFor(slug),
    placement: placementIn(cell, "pool", organizationId, NEW_TENANT_NAMESPACES),
    created_at: now,
    updated_at: now,
    pending: { op: "create", started_at: now, user_id: owner.user._id, user_created: owner.isNew },
  };
  // Marked in the record from its insert: the reconciler waits while it is pending, and an undone
  // create deletes the record, and with it the mark.
  const change = await beginChange(
    db,
    { type: "user", id: owner.user._id.toHexString() },
    [
      {
        type: "organization.created",
        organizationId,
        data: {
          name: organizationName,
          slug,
          owner: { user_id: owner.user._id.toHexString(), email: owner.user.email },
        },
        proof: { kind: "marked", collection: "organizations", id: organizationId },
      },
    ],
    now,
  );
  Object.assign(organization, change.marks("organization.created"));

  try {
    await db.organizations.insertOne(organization);
    // Found by the platform's search from the start (an entry of a create undone is deleted with it).
    await indexNames(db, organizationId, { name: organizationName, slug });
  } catch (error) {
    // Refused by the unique name (an error that may hide a write leaves the intent to the reconciler).
    if (isDuplicateKeyError(error)) {
      await change.abandon(db);
      throw nameTaken(organizationName);
    }
    throw error;
  }
  let collectionCreated = false;
  try {
    // After step 1. Checkpoints are where the crash tests stop an operation; unarmed (always, in
    // production) each is one map lookup. Why they stay here: checkpoints.ts.
    await checkpoint("create", 1);
    if (owner.isNew) {
      try {
        await db.users.insertOne(owner.user);
      } catch (error) {
        if (isDuplicateKeyError(error)) throw emailTaken();
        throw error;
      }
    }
    await db.memberships.insertOne(newMembership(organization._id, owner.user, "owner", now));
    await checkpoint("create", 2);
    await createTenantCollection(organization);
    collectionCreated = true;
    await checkpoint("create", 3);
    await clearPending(db, organization);
  } catch (error) {
    await rollBackCreate(db, organization, collectionCreated ? "dropped" : "kept");
    await change.abandon(db);
    throw error;
  }
  await change.commit(db);

  await Promise.all([
    recordAudit(
      db,
      {
        action: "organization.create",
        organizationId: organization._id,
        userId: owner.user._id,
        email: owner.user.email,
        details: { organization_name: organizationName },
      },
      context,
    ),
    // A new user's address is unproven: the sign-up mails a link that verifies it.
    // The organization exists either way: a link that could not be made is asked for again (POST /me/verify-email).
    owner.isNew ? sendEmailVerification(db, owner.user, context).catch(() => false) : undefined,
  ]);
  const { pending: _, ...created } = organization;
  return { ...toOrganization(created), adminEmail: owner.user.email };
}

interface Owner {
  readonly user: UserDocument;
  readonly isNew: boolean;
}

async function newUser(input: CreateOrganizationInput | CreateOrganizationForUserInput, now: Date): Promise<Owner> {
  const { email, password } = parseInput(createOrganizationInputSchema, input);
  const user: UserDocument = {
    _id: new ObjectId(),
    email,
    password_hash: await hashPassword(password),
    // Until the link mailed at sign-up is followed (account/email-verification.ts).
    email_verified: false,
    credentials_version: 1,
    created_at: now,
    updated_at: now,
  };
  return { user, isNew: true };
}

async function signedUpUser(db: Database, creator: Pick<Actor, "userId">): Promise<Owner> {
  const userId = toObjectId(creator.userId);
  const user = userId && (await db.users.findOne({ _id: userId }));
  if (!user) throw new UnauthenticatedError();
  return { user, isNew: false };
}
