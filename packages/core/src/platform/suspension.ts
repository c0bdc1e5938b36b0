import * as z from "zod/mini";
import { recordAudit } from "../audit";
import { type PlatformActor, requirePlatformScope } from "../clients/authenticate";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { platformEventActor } from "../events/actor";
import { beginChange } from "../events/change";
import { withOrganizationLockWaiting } from "../organizations/lock";
import { toObjectId, VISIBLE } from "../organizations/model";
import { hasControlCharacter, parseInput } from "../validation";

export const suspendInputSchema = z.object({
  reason: z.string().check(
    z.trim(),
    z.minLength(1, "must not be empty"),
    z.maxLength(500, "must be at most 500 characters"),
    z.refine(
      (reason: string) => !hasControlCharacter(reason.replace(/\n/g, " ")),
      "must not contain control characters",
    ),
  ),
});
export type SuspendInput = z.input<typeof suspendInputSchema>;

export interface SuspensionState {
  readonly organizationId: string;
  readonly suspended: boolean;
  readonly reason?: string;
  readonly suspendedAt?: Date;
}

/**
 * `POST /platform/organizations/{id}/suspend`: the operator stops serving an organization. From
 * then on its logins, refreshes and token requests of its clients are refused, every session's
 * next request is refused (the session carries the mark, so the one read each request makes
 * refuses it), its data, members and invitations are not served (ownOrganization), and no
 * invitation to it can be accepted — all with 403 `organization-suspended`. Nothing is deleted.
 *
 * Suspending and reactivating hold the organization's lock (waiting for it a little), so any
 * number of them at once apply one after another and the organization and its sessions agree at
 * the end. A refresh or a login racing the marking of the sessions is caught by their own check
 * after their write (sessions/refresh.ts, openSession), and the reconciler mends any mark left
 * wrong. Audited with the reason and the client.
 */
export async function suspendOrganization(
  actor: PlatformActor,
  organizationId: string,
  input: SuspendInput,
  context: RequestContext = {},
): Promise<SuspensionState> {
  requirePlatformScope(actor, "platform:write", "suspend organizations");
  const { reason } = parseInput(suspendInputSchema, input);
  const id = organizationIdOf(organizationId);
  const db = await database();
  return withOrganizationLockWaiting(db, id, async () => {
    const organization = await visible(db, id);
    const suspended = organization.suspended ?? { at: nowOf(context), reason, by: actor.clientId };
    if (!organization.suspended) {
      const change = await beginChange(
        db,
        platformEventActor(actor),
        [
          {
            type: "organization.suspended",
            organizationId: id,
            data: { reason, name: organization.name, slug: organization.slug },
            proof: { kind: "marked", collection: "organizations", id },
          },
        ],
        nowOf(context),
      );
      await db.organizations.updateOne({ _id: id }, { $set: { suspended, ...change.mark("organization.suspended") } });
      await change.commit(db);
    }
    await markSessions(db, organization._id, true);
    await recordAudit(
      db,
      { action: "organization.suspended", organizationId: id, clientId: actor.clientId, details: { reason } },
      context,
    );
    return { organizationId, suspended: true, reason: suspended.reason, suspendedAt: suspended.at };
  });
}

/** `POST /platform/organizations/{id}/reactivate`: everything is served again, as it was. */
export async function reactivateOrganization(
  actor: PlatformActor,
  organizationId: string,
  context: RequestContext = {},
): Promise<SuspensionState> {
  requirePlatformScope(actor, "platform:write", "reactivate organizations");
  const id = organizationIdOf(organizationId);
  const db = await database();
  return withOrganizationLockWaiting(db, id, async () => {
    const organization = await visible(db, id);
    if (organization.suspended) {
      const change = await beginChange(
        db,
        platformEventActor(actor),
        [
          {
            type: "organization.reactivated",
            organizationId: id,
            data: { name: organization.name, slug: organization.slug },
            proof: { kind: "marked", collection: "organizations", id },
          },
        ],
        nowOf(context),
      );
      await db.organizations.updateOne(
        { _id: id },
        { $unset: { suspended: "" }, $set: change.mark("organization.reactivated") },
      );
      await change.commit(db);
    }
    await markSessions(db, organization._id, false);
    await recordAudit(
      db,
      {
        action: "organization.reactivated",
        organizationId: id,
        clientId: actor.clientId,
        ...(organization.suspended && { details: { suspended_for: organization.suspended.reason } }),
      },
      context,
    );
    return { organizationId, suspended: false };
  });
}

/** The sessions mirror the organization: marked while it is suspended, unmarked once reactivated. */
async function markSessions(db: Database, organizationId: OrganizationDocument["_id"], suspended: boolean) {
  await db.sessions.updateMany(
    { organization_id: organizationId },
    suspended ? { $set: { suspended: true } } : { $unset: { suspended: "" } },
  );
}

/**
 * The reconciler's part: sessions whose mark disagrees with their organization (a write that raced
 * the marking). Each organization is mended under its lock, from its record read there, so a
 * suspension or a reactivation landing meanwhile is never undone; one whose lock is held is left
 * for the next run.
 */
export async function mendSuspensionMarks(db: Database): Promise<number> {
  const suspended = await db.organizations.find({ suspended: { $exists: true } }, { projection: { _id: 1 } }).toArray();
  const marked = await db.sessions.distinct("organization_id", { suspended: true });
  const candidates = new Map([...suspended.map(({ _id }) => _id), ...marked].map((id) => [id.toHexString(), id]));
  let mended = 0;
  for (const organizationId of candidates.values()) {
    mended += await withOrganizationLockWaiting(db, organizationId, async () => {
      const organization = await db.organizations.findOne({ _id: organizationId }, { projection: { suspended: 1 } });
      const should = organization?.suspended !== undefined;
      const { modifiedCount } = await db.sessions.updateMany(
        { organization_id: organizationId, suspended: should ? { $ne: true } : true },
        should ? { $set: { suspended: true } } : { $unset: { suspended: "" } },
      );
      return modifiedCount;
    }).catch((error: unknown) => {
      if (error instanceof ConflictError) return 0;
      throw error;
    });
  }
  return mended;
}

function organizationIdOf(id: string) {
  const organizationId = toObjectId(id);
  if (!organizationId) throw new ValidationError([{ path: "organization_id", message: "is not an organization id" }]);
  return organizationId;
}

async function visible(db: Database, id: OrganizationDocument["_id"]): Promise<OrganizationDocument> {
  const organization = await db.organizations.findOne({ _id: id, ...VISIBLE });
  if (!organization) throw new NotFoundError("No organization has this id.");
  return organization;
}
