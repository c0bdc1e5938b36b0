import { requireScope, type Scope } from "../auth/permissions";
import type { Database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { ConflictError, ForbiddenError, MOVING_RETRY_AFTER_SECONDS, NotFoundError, TenantMovingError } from "../errors";
import { withOrganizationLock } from "./lock";
import { findOrganizationDocument, organizationProjection, type Actor } from "./model";
import { reconcileOrganization } from "./steps";
import { config } from "../config";
import { settleEventIntents } from "../events/settle";

/**
 * Run a change of an organization on behalf of one of its members: look it up by name, check it is
 * the actor's (unknown before forbidden: 404, then 403 — names are public, so this reveals
 * nothing) and that the actor's role may do `scope`, then, holding its lock, re-read it and hand
 * the fresh record to `change`.
 *
 * A marker found while holding the lock was left by a request that died (a live one would still
 * hold the lock): it is repaired on the spot instead of blocking the admin until the reconciler.
 */
export async function changeOwnOrganization<T>(
  db: Database,
  actor: Actor,
  name: string,
  permission: { readonly scope: Scope; readonly action: string },
  change: (organization: OrganizationDocument) => Promise<T>,
): Promise<T> {
  const found = await findOrganizationDocument(db, name);
  if (found._id.toHexString() !== actor.organizationId) {
    throw new ForbiddenError("The token does not belong to a member of this organization.");
  }
  requireScope(actor, permission.scope, permission.action);
  return changeOrganization(db, found, change);
}

/**
 * The part of {@link changeOwnOrganization} after the caller's checks, for any caller that found
 * the record itself (the platform API, by id): holding the organization's lock, the record re-read
 * (a marker a dead request left repaired first) and handed to `change`.
 */
export async function changeOrganization<T>(
  db: Database,
  found: OrganizationDocument,
  change: (organization: OrganizationDocument) => Promise<T>,
): Promise<T> {
  return withOrganizationLock(db, found._id, async () => {
    let current = await reload(db, found);
    if (current.pending) {
      // Repaired from the whole record (an undone update takes back the marks of its events), and
      // then its dead writer's events judged, before this change can make them ambiguous.
      const whole = await db.organizations.findOne({ _id: found._id });
      if (whole?.pending) await reconcileOrganization(db, whole);
      // The intents' `created_at` is the wall clock's (events/change.ts), and so is their judge's.
      const cutoff = new Date(Date.now() - 1000 * config().reconcileGraceSeconds);
      await settleEventIntents(db, cutoff, found._id);
      current = await reload(db, found);
    }
    return change(current);
  });
}

/** The record as it is now; a concurrent rename or delete since the lookup makes this request stale. */
async function reload(db: Database, found: OrganizationDocument): Promise<OrganizationDocument> {
  const current = await db.organizations.findOne({ _id: found._id }, { projection: organizationProjection });
  if (!current || current.pending?.op === "delete")
    throw new NotFoundError(`No organization is named "${found.name}".`);
  if (current.slug !== found.slug && !current.pending) {
    throw new ConflictError(
      "The organization was renamed by another request meanwhile; look it up again.",
      "organization_name",
    );
  }
  return current;
}

/** Renames and deletes wait for a move of the organization's data to finish (or be undone). */
export function movingOrganization(name: string, change: "renamed" | "deleted"): TenantMovingError {
  return new TenantMovingError(
    `"${name}" cannot be ${change} while its data moves to another cell; try again when the move is done.`,
    MOVING_RETRY_AFTER_SECONDS,
  );
}
