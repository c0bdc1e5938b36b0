import { z } from "zod";
import { database, type Database } from "../db/client";
import type { AdminDocument, OrganizationDocument } from "../db/documents";
import { isDuplicateKeyError, isNamespaceExistsError } from "../db/mongo-errors";
import { ConflictError, NotFoundError } from "../errors";
import { hashPassword } from "../passwords";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { findOwnOrganization } from "./authorize";
import { nameTaken } from "./create";
import { toOrganization, type Actor, type OrganizationWithAdmin } from "./model";

export const updateOrganizationInputSchema = z
  .object({
    organizationName: organizationNameSchema,
    newOrganizationName: organizationNameSchema.optional(),
    email: emailSchema.optional(),
    password: passwordSchema.optional(),
  })
  .refine(
    (input) => input.newOrganizationName !== undefined || input.email !== undefined || input.password !== undefined,
    "nothing to change: give a new name, email or password",
  );

export type UpdateOrganizationInput = z.input<typeof updateOrganizationInputSchema>;

/**
 * Rename an organization and/or change its admin's credentials.
 *
 * Credentials first (the unique email index may refuse them), then the rename: record first, so
 * the unique slug index decides a race for the new name, then the tenant collection (a metadata
 * operation: O(1), documents kept). A failing step undoes the ones before it, so a 409 changes
 * nothing.
 */
export async function updateOrganization(actor: Actor, input: UpdateOrganizationInput): Promise<OrganizationWithAdmin> {
  const { organizationName, newOrganizationName, email, password } = parseInput(updateOrganizationInputSchema, input);
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  const db = await database();
  const organization = await findOwnOrganization(db, actor, organizationName);
  const admin = await db.admins.findOne({ _id: organization.admin_id });
  if (!admin) throw new NotFoundError("The organization has no administrator.");

  const now = new Date();
  const restoreCredentials = await changeCredentials(db, admin, { email, passwordHash }, now);
  try {
    const renamed = await rename(db, organization, newOrganizationName ?? organization.name, now);
    return { ...toOrganization(renamed), adminEmail: email ?? admin.email };
  } catch (error) {
    await restoreCredentials();
    throw error;
  }
}

type Undo = () => Promise<void>;

async function changeCredentials(
  db: Database,
  admin: AdminDocument,
  changes: { email: string | undefined; passwordHash: string | undefined },
  now: Date,
): Promise<Undo> {
  const set = {
    ...(changes.email !== undefined && { email: changes.email }),
    ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
  };
  if (Object.keys(set).length === 0) return async () => undefined;
  try {
    await db.admins.updateOne({ _id: admin._id }, { $set: { ...set, updated_at: now } });
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError("An administrator with this email already exists.", "email");
    throw error;
  }
  return async () => {
    await db.admins.updateOne(
      { _id: admin._id },
      { $set: { email: admin.email, password_hash: admin.password_hash, updated_at: admin.updated_at } },
    );
  };
}

/** Rename record and collection; with the same slug only the display name changes. */
async function rename(db: Database, organization: OrganizationDocument, newName: string, now: Date): Promise<OrganizationDocument> {
  const slug = slugify(newName);
  const renamed: OrganizationDocument = {
    ...organization,
    name: newName,
    slug,
    collection_name: collectionNameFor(slug),
    updated_at: now,
  };
  const { name, collection_name, updated_at } = renamed;
  try {
    // Matching the old slug too: a concurrent rename of the same organization makes this a no-op.
    const result = await db.organizations.updateOne(
      { _id: organization._id, slug: organization.slug },
      { $set: { name, slug, collection_name, updated_at } },
    );
    if (result.matchedCount === 0) throw new ConflictError("The organization was changed concurrently; try again.", "organization_name");
  } catch (error) {
    if (isDuplicateKeyError(error)) throw nameTaken(newName);
    throw error;
  }
  if (collection_name === organization.collection_name) return renamed;

  try {
    await db.tenants.renameCollection(organization.collection_name, collection_name);
  } catch (error) {
    await db.organizations.updateOne(
      { _id: organization._id, slug },
      {
        $set: {
          name: organization.name,
          slug: organization.slug,
          collection_name: organization.collection_name,
          updated_at: organization.updated_at,
        },
      },
    );
    // A collection of that name still exists while another organization's rename away from it finishes.
    if (isNamespaceExistsError(error)) throw nameTaken(newName);
    throw error;
  }
  return renamed;
}
