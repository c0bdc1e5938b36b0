import { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { recordAudit } from "../audit";
import { checkpoint } from "../checkpoints";
import type { RequestContext } from "../context";
import { database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { hashPassword } from "../passwords";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { toOrganization, type OrganizationWithAdmin } from "./model";
import { clearPending, createTenantCollection, emailTaken, nameTaken, rollBackCreate } from "./steps";

export const createOrganizationInputSchema = z.object({
  organizationName: organizationNameSchema,
  email: emailSchema,
  password: passwordSchema,
});

export type CreateOrganizationInput = z.input<typeof createOrganizationInputSchema>;

/**
 * Create the organization record, its admin and its tenant collection.
 *
 * 1. the record, marked `pending: create` (the unique slug index decides a race for the name);
 * 2. the admin (the unique email index decides a race for the email);
 * 3. the tenant collection, created explicitly;
 * 4. the marker removed: only now does the organization exist for readers.
 * A failing step undoes the ones before it; a crash leaves the marker, and the reconciler undoes
 * the rest. The password is hashed before anything is written, so the slow part holds nothing.
 */
export async function createOrganization(
  input: CreateOrganizationInput,
  context: RequestContext = {},
): Promise<OrganizationWithAdmin> {
  const { organizationName, email, password } = parseInput(createOrganizationInputSchema, input);
  const passwordHash = await hashPassword(password);
  const db = await database();

  const slug = slugify(organizationName);
  const now = new Date();
  const organization: OrganizationDocument = {
    _id: new ObjectId(),
    admin_id: new ObjectId(),
    name: organizationName,
    slug,
    collection_name: collectionNameFor(slug),
    created_at: now,
    updated_at: now,
    pending: { op: "create", started_at: now },
  };

  try {
    await db.organizations.insertOne(organization);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw nameTaken(organizationName);
    throw error;
  }
  let collectionCreated = false;
  try {
    // After step 1. Checkpoints are where the crash tests stop an operation; unarmed (always, in
    // production) each is one map lookup. Why they stay here: checkpoints.ts.
    await checkpoint("create", 1);
    try {
      await db.admins.insertOne({
        _id: organization.admin_id,
        email,
        password_hash: passwordHash,
        credentials_version: 1,
        organization_id: organization._id,
        created_at: now,
        updated_at: now,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken();
      throw error;
    }
    await checkpoint("create", 2);
    await createTenantCollection(db, organization);
    collectionCreated = true;
    await checkpoint("create", 3);
    await clearPending(db, organization);
  } catch (error) {
    await rollBackCreate(db, organization, collectionCreated ? "dropped" : "kept");
    throw error;
  }

  await recordAudit(
    db,
    {
      action: "organization.create",
      organizationId: organization._id,
      adminId: organization.admin_id,
      email,
      details: { organization_name: organizationName },
    },
    context,
  );
  const { pending: _, ...created } = organization;
  return { ...toOrganization(created), adminEmail: email };
}
