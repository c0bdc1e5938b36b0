import { z } from "zod";
import { checkpoint } from "../checkpoints";
import { database } from "../db/client";
import type { OrganizationDocument, PendingUpdate } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { NotFoundError } from "../errors";
import { hashPassword } from "../passwords";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema } from "../validation";
import { changeOwnOrganization } from "./authorize";
import { toOrganization, type Actor, type OrganizationWithAdmin } from "./model";
import { applyCredentials, clearPending, moveTenantCollection, nameTaken, rollBackUpdate } from "./steps";

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
 * Rename an organization and/or change its admin's credentials, all or nothing:
 *
 * 1. the record takes its new name, marked `pending: update` with what it was before (the unique
 *    slug index decides a race for the new name, and no other change may start meanwhile);
 * 2. the admin's new credentials (the unique email index may refuse them);
 * 3. the tenant collection renamed (a metadata operation: O(1), every document kept);
 * 4. the marker removed.
 * A failing step puts everything back; a crash leaves the marker for the reconciler.
 */
export async function updateOrganization(actor: Actor, input: UpdateOrganizationInput): Promise<OrganizationWithAdmin> {
  const { organizationName, newOrganizationName, email, password } = parseInput(updateOrganizationInputSchema, input);
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  const db = await database();
  return changeOwnOrganization(db, actor, organizationName, async (current) => {
    const admin = await db.admins.findOne({ _id: current.admin_id });
    if (!admin) throw new NotFoundError("The organization has no administrator.");

    const now = new Date();
    const newName = newOrganizationName ?? current.name;
    const slug = slugify(newName);
    const target = {
      ...(email !== undefined && { email }),
      ...(passwordHash !== undefined && { password_hash: passwordHash }),
    };
    const pending: PendingUpdate = {
      op: "update",
      started_at: now,
      previous: { name: current.name, slug: current.slug, collection_name: current.collection_name, updated_at: current.updated_at },
      ...(Object.keys(target).length > 0 && {
        credentials: { target, previous: { email: admin.email, password_hash: admin.password_hash, updated_at: admin.updated_at } },
      }),
    };
    const updated: OrganizationDocument = { ...current, name: newName, slug, collection_name: collectionNameFor(slug), pending };

    try {
      const { name, collection_name } = updated;
      await db.organizations.updateOne({ _id: current._id }, { $set: { name, slug, collection_name, pending } });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw nameTaken(newName);
      throw error;
    }

    try {
      await checkpoint("update", 1);
      await applyCredentials(db, updated, pending, now);
      await checkpoint("update", 2);
      await moveTenantCollection(db, updated, pending);
      await checkpoint("update", 3);
      await clearPending(db, updated, { updated_at: now });
    } catch (error) {
      await rollBackUpdate(db, updated, pending);
      throw error;
    }

    const { pending: _, ...done } = updated;
    return { ...toOrganization({ ...done, updated_at: now }), adminEmail: email ?? admin.email };
  });
}
