import { ObjectId } from "mongodb";
import { z } from "zod";
import { database } from "../db/client";
import { isDuplicateKeyError, isNamespaceExistsError } from "../db/mongo-errors";
import { ConflictError } from "../errors";
import { hashPassword } from "../passwords";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { toOrganization, type OrganizationWithAdmin } from "./model";

export const createOrganizationInputSchema = z.object({
  organizationName: organizationNameSchema,
  email: emailSchema,
  password: passwordSchema,
});

export type CreateOrganizationInput = z.input<typeof createOrganizationInputSchema>;

/**
 * Create the organization record, its admin and its tenant collection.
 *
 * No transactions: each step is one atomic single-document write, ordered so the unique indexes
 * decide races (record first: slug; then admin: email) and every failure undoes the steps before
 * it. The password is hashed before anything is written, so the slow part holds nothing.
 */
export async function createOrganization(input: CreateOrganizationInput): Promise<OrganizationWithAdmin> {
  const { organizationName, email, password } = parseInput(createOrganizationInputSchema, input);
  const passwordHash = await hashPassword(password);
  const db = await database();

  const slug = slugify(organizationName);
  const now = new Date();
  const organization = {
    _id: new ObjectId(),
    admin_id: new ObjectId(),
    name: organizationName,
    slug,
    collection_name: collectionNameFor(slug),
    created_at: now,
    updated_at: now,
  };

  try {
    await db.organizations.insertOne(organization);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw nameTaken(organizationName);
    throw error;
  }

  try {
    await db.admins.insertOne({
      _id: organization.admin_id,
      email,
      password_hash: passwordHash,
      organization_id: organization._id,
      created_at: now,
      updated_at: now,
    });
  } catch (error) {
    await db.organizations.deleteOne({ _id: organization._id });
    if (isDuplicateKeyError(error)) throw new ConflictError("An administrator with this email already exists.", "email");
    throw error;
  }

  try {
    // Created explicitly, so the tenant exists (and is listed) before its first document.
    await db.tenants.createCollection(organization.collection_name);
  } catch (error) {
    await db.admins.deleteOne({ _id: organization.admin_id });
    await db.organizations.deleteOne({ _id: organization._id });
    // The collection still exists while a rename away from this name finishes: never reuse it.
    if (isNamespaceExistsError(error)) throw nameTaken(organizationName);
    throw error;
  }

  return { ...toOrganization(organization), adminEmail: email };
}

export function nameTaken(name: string): ConflictError {
  return new ConflictError(`An organization named "${name}" (or spelled alike) already exists.`, "organization_name");
}
