import { type AuditEvent, recordAudit } from "../audit";
import { checkpoint } from "../checkpoints";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { organizationNameSchema, parseInput } from "../validation";
import { changeOwnOrganization, movingOrganization } from "./change-own-organization";
import { type Actor, toObjectId } from "./model";
import { finishDelete } from "./steps";
import { eventActorOf } from "../events/actor";
import { beginChange } from "../events/change";
import type { EventActor } from "../events/types";

/**
 * Delete an organization (owners only): mark the record `pending: delete` (from then on it no
 * longer exists for readers), then drop the tenant collection, remove its invitations and
 * memberships and the users left without any, and, last, the record. Once started a delete is
 * only ever finished, never undone: a crash leaves the marker and the reconciler completes it.
 * Afterwards the name, and the emails of the users it deleted, are free again.
 */
export async function deleteOrganization(
  actor: Actor,
  name: string,
  context: RequestContext = {},
): Promise<{ name: string }> {
  const organizationName = parseInput(organizationNameSchema, name);
  const db = await database();
  const permission = { scope: "org:delete", action: "delete the organization" } as const;
  return changeOwnOrganization(db, actor, organizationName, permission, (organization) =>
    deleteHeldOrganization(
      db,
      organization,
      { action: "organization.delete", userId: toObjectId(actor.userId) },
      eventActorOf(actor),
      context,
    ),
  );
}

/**
 * The delete itself, on the record as it is under the organization's lock (changeOrganization):
 * an owner's, and the platform API's (platform/organizations.ts), audited as `who` says.
 */
export async function deleteHeldOrganization(
  db: Database,
  organization: OrganizationDocument,
  who: Pick<AuditEvent, "action" | "userId" | "clientId">,
  actor: EventActor,
  context: RequestContext = {},
): Promise<{ name: string }> {
  if (organization.move) throw movingOrganization(organization.name, "deleted");
  const now = nowOf(context);
  const pending = { op: "delete", started_at: now } as const;
  // Gone once the record is: a delete begun is only ever finished, by this request or the reconciler.
  const change = await beginChange(
    db,
    actor,
    [
      {
        type: "organization.deleted",
        organizationId: organization._id,
        data: { name: organization.name, slug: organization.slug },
        proof: { kind: "gone", collection: "organizations", id: organization._id },
      },
    ],
    now,
  );
  await db.organizations.updateOne({ _id: organization._id }, { $set: { pending } });
  await checkpoint("delete", 1);
  await finishDelete(db, { ...organization, pending }, (step) => checkpoint("delete", step));
  await change.commit(db);
  await recordAudit(
    db,
    { ...who, organizationId: organization._id, details: { organization_name: organization.name } },
    context,
  );
  return { name: organization.name };
}
