import { checkpoint } from "../checkpoints";
import { database } from "../db/client";
import { ConflictError } from "../errors";
import { organizationNameSchema, parseInput } from "../validation";
import { findOwnOrganization } from "./authorize";
import type { Actor } from "./model";
import { finishDelete } from "./steps";

/**
 * Delete an organization: mark the record `pending: delete` (from then on it no longer exists for
 * readers and no other change may start), then drop the tenant collection, delete the admin and,
 * last, the record. Once started a delete is only ever finished, never undone: a crash leaves the
 * marker and the reconciler completes it. Afterwards the name and the email are free again.
 */
export async function deleteOrganization(actor: Actor, name: string): Promise<{ name: string }> {
  const organizationName = parseInput(organizationNameSchema, name);
  const db = await database();
  const organization = await findOwnOrganization(db, actor, organizationName);

  const pending = { op: "delete", started_at: new Date() } as const;
  const result = await db.organizations.updateOne({ _id: organization._id, pending: { $exists: false } }, { $set: { pending } });
  if (result.matchedCount === 0) {
    throw new ConflictError("The organization is being changed by another request; try again.", "organization_name");
  }
  await checkpoint("delete", 1);
  await finishDelete(db, { ...organization, pending }, (step) => checkpoint("delete", step));
  return { name: organization.name };
}
