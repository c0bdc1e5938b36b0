import type { Collection, ObjectId } from "mongodb";
import * as z from "zod/mini";
import { recordAudit } from "../audit";
import { checkpoint } from "../checkpoints";
import { config } from "../config";
import type { RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { MoveDocument, OrganizationDocument, PlacementDocument, Tier } from "../db/documents";
import type { PlatformActor } from "../clients/authenticate";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { SYSTEM_ACTOR } from "../events/actor";
import { beginChange } from "../events/change";
import type { EventActor } from "../events/types";
import { logger } from "../logger";
import {
  type Lease,
  OrganizationBusyError,
  withOrganizationLock,
  withRenewedOrganizationLock,
} from "../organizations/lock";
import { findOrganizationDocument } from "../organizations/model";
import { dropCollectionOf } from "../organizations/steps";
import { organizationNameSchema, parseInput } from "../validation";
import { requireRoomIn } from "./capacity";
import { indexesOf } from "../db/indexes";
import { copyBatch, copyIndexes, digestOf, sameIndexes } from "./copy";
import { NEW_TENANT_NAMESPACES, placementIn, placementOf, tenantCollectionAt, tenantDatabaseAt } from "./placement";

/**
 * Moving a tenant to another cell, or between the pool and a silo, as a resumable operation
 * recorded on the organization (`move`). Its steps, each recorded when done:
 *
 * 1. fence: the move is recorded; from now on the tenant's writes (documents, indexes), renames
 *    and deletes answer 409 tenant-moving, and reads keep using the source. The target's
 *    namespaces are reserved in the same write;
 * 2. the target collection, with the source's indexes;
 * 3. the documents copied in `_id` order, in batches, each batch recorded (a repeat after a crash
 *    skips what is there already);
 * 4. verified, once the fence has stood TENANT_MOVE_DRAIN_SECONDS (a write that read the placement
 *    before the fence may still land until then): the indexes, and the count and an
 *    order-independent hash of every document, on both sides. Different (such a write landed
 *    after the copy passed it): the target is emptied and the copy starts again from step 2;
 * 5. the placement switched to the target, in one write that also lifts the fence, counts the
 *    target's namespaces as they are, and turns the reservation over to the source;
 * 6. a drain period later (reads that found the old placement may still run), the source dropped
 *    and the move record removed.
 *
 * Every step is idempotent and conditional on the recorded state, so a move interrupted anywhere
 * — a crash, kill -9, the end of an invocation's time — is carried on by the next `pnpm tenants
 * move`, the move function or the reconciler. One interrupted before the switch can be undone
 * instead: recorded as `undoing` first, so that an undo interrupted in turn is finished, never
 * half done. The organization's lock is held a slice at a time and renewed while a slice runs,
 * and every step that cannot be taken back first checks it is still held.
 */

export const moveInputSchema = z.object({
  organizationName: organizationNameSchema,
  toCell: z.string().check(z.minLength(1)),
  tier: z.optional(z.enum(["pool", "silo"])),
});

export type MoveInput = z.input<typeof moveInputSchema>;

/** One side of a move: the cell, the tier and the database the tenant's collection is in. */
export interface MoveSide {
  readonly cell: string;
  readonly tier: Tier;
  readonly database: string;
}

export interface MoveStatus {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly from: MoveSide;
  readonly to: MoveSide;
  /** The last step done; "done" once the record has no move left, "undone" after an undo. */
  readonly step: MoveDocument["step"] | "done" | "undone";
  readonly copied: number;
}

export interface MoveOptions {
  /** How long this call may work before it returns, the move recorded where it got to (default: until done). */
  readonly budgetMs?: number;
  /** Wait out the drain periods (the command, the function) rather than leave them to a later call (the reconciler). */
  readonly waitForDrain?: boolean;
  readonly graceSeconds?: number;
  readonly context?: RequestContext;
  /** The platform client starting the move, recorded with it: its `tenant.moved` event names it. */
  readonly actor?: PlatformActor;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start a move of the named organization to `toCell` (and `tier`, default its current one), or
 * carry on the one under way to the same place, and advance it within the budget.
 */
export async function moveTenant(input: MoveInput, options: MoveOptions = {}): Promise<MoveStatus> {
  const { organizationName, toCell, tier } = parseInput(moveInputSchema, input);
  const db = await database();
  const found = await findOrganizationDocument(db, organizationName);
  return moveOrganization(db, found._id, toCell, tier, options);
}

/**
 * {@link moveTenant} for an organization found by its id (the platform API): start the move, or
 * carry on the one under way to the same place, and advance it within the budget.
 */
export async function moveOrganization(
  db: Database,
  organizationId: ObjectId,
  toCell: string,
  tier: Tier | undefined,
  options: MoveOptions = {},
): Promise<MoveStatus> {
  const started = await begin(db, organizationId, toCell, tier, options);
  return advance(db, organizationId, started, options);
}

/** Carry on the move under way of the named organization (an undo under way too), within the budget. */
export async function continueMove(organizationName: string, options: MoveOptions = {}): Promise<MoveStatus> {
  const db = await database();
  const found = await findOrganizationDocument(db, parseInput(organizationNameSchema, organizationName));
  if (!found.move) throw new NotFoundError(`"${found.name}" is not moving.`);
  return advance(db, found._id, statusOf(found), options);
}

/**
 * Undo a move that has not switched yet: recorded as `undoing`, then the target dropped and the
 * record's move removed; the source was never touched. Interrupted, the undo is finished by the
 * next continue or the reconciler.
 */
export async function undoMove(organizationName: string, options: MoveOptions = {}): Promise<MoveStatus> {
  const db = await database();
  const found = await findOrganizationDocument(db, parseInput(organizationNameSchema, organizationName));
  const undoing = await withOrganizationLock(
    db,
    found._id,
    async () => {
      const organization = await db.organizations.findOne({ _id: found._id });
      const move = organization?.move;
      if (!organization || !move) throw new NotFoundError(`"${found.name}" is not moving.`);
      if (move.step === "switched") {
        throw new ConflictError(
          `The move of "${organization.name}" has switched to its target already; it can only be finished.`,
          "organization_name",
        );
      }
      await db.organizations.updateOne(
        { _id: organization._id, "move.started_at": move.started_at },
        { $set: { "move.step": "undoing" } },
      );
      await checkpoint("move-undo", 1);
      return statusOf({ ...organization, move: { ...move, step: "undoing" } });
    },
    options.graceSeconds,
  );
  return advance(db, found._id, undoing, options);
}

/** Every move under way, advanced as far as the budget allows without waiting: the reconciler's part. */
export async function continueMoves(
  db: Database,
  options: { readonly graceSeconds: number; readonly budgetMs: number },
): Promise<{ continued: number; finished: number }> {
  const deadline = Date.now() + options.budgetMs;
  let continued = 0;
  let finished = 0;
  for await (const { _id } of db.organizations.find({ move: { $exists: true } }, { projection: { _id: 1 } })) {
    if (Date.now() >= deadline) break;
    const organization = await db.organizations.findOne({ _id });
    if (!organization?.move) continue;
    try {
      const status = await advance(db, _id, statusOf(organization), {
        budgetMs: deadline - Date.now(),
        waitForDrain: false,
        graceSeconds: options.graceSeconds,
      });
      continued++;
      if (status.step === "done" || status.step === "undone") finished++;
    } catch (error) {
      // One tenant's move that cannot go on (its target unreachable, a copy that keeps differing) holds up no other.
      logger.error("A tenant move could not be carried on", { organization_id: _id.toHexString(), error });
    }
  }
  return { continued, finished };
}

const sideOf = ({ cell, tier, database }: PlacementDocument): MoveSide => ({ cell, tier, database });

/** Where a record's move is (its placement's, `done`, when none is under way). */
export function statusOf(organization: OrganizationDocument): MoveStatus {
  const move = organization.move;
  const placement = placementOf(organization);
  return {
    organizationId: organization._id.toHexString(),
    organizationName: organization.name,
    from: sideOf(move?.from ?? placement),
    to: sideOf(move?.to ?? placement),
    step: move?.step ?? "done",
    copied: move?.copied ?? 0,
  };
}

function moveAudit(
  action: "tenant.move_started" | "tenant.moved" | "tenant.move_undone",
  organization: OrganizationDocument,
  move: Pick<MoveDocument, "from" | "to">,
) {
  return {
    action,
    organizationId: organization._id,
    details: { from_cell: move.from.cell, from_tier: move.from.tier, to_cell: move.to.cell, to_tier: move.to.tier },
  } as const;
}

/** Record the move (the fence), unless the same move is under way already. */
async function begin(
  db: Database,
  organizationId: ObjectId,
  toCell: string,
  tier: Tier | undefined,
  options: MoveOptions,
): Promise<MoveStatus> {
  const cell = config().cells.find((candidate) => candidate.name === toCell);
  if (!cell) throw new ValidationError([{ path: "to", message: `no cell is named "${toCell}"` }]);
  return withOrganizationLock(
    db,
    organizationId,
    async () => {
      const organization = await db.organizations.findOne({ _id: organizationId });
      if (!organization || organization.pending?.op === "create" || organization.pending?.op === "delete") {
        throw new NotFoundError("The organization does not exist.");
      }
      const from = placementOf(organization);
      const to = placementIn(cell, tier ?? from.tier, organization._id, from.namespaces);
      if (organization.move) {
        const { to: current, step } = organization.move;
        if (step !== "undoing" && current.cell === to.cell && current.database === to.database) {
          return statusOf(organization);
        }
        throw new ConflictError(
          step === "undoing"
            ? `A move of "${organization.name}" is being undone; try again once it is.`
            : `"${organization.name}" is moving to ${current.cell} (${current.tier}) already; finish or undo that move first.`,
          "organization_name",
        );
      }
      if (organization.pending) {
        throw new ConflictError(
          `A change to "${organization.name}" is unfinished; try again once it is done.`,
          "organization_name",
        );
      }
      if (from.cell === to.cell && from.database === to.database) {
        throw new ConflictError(`"${organization.name}" is in ${to.cell} (${to.tier}) already.`, "to");
      }
      // A collection of its name there already is none of this move's: another cell reaching the
      // same database under another connection string (moving onto it would drop the tenant), or
      // a leftover. Nothing is copied over it.
      const target = await tenantDatabaseAt(to);
      if ((await target.listCollections({ name: organization.collection_name }, { nameOnly: true }).toArray()).length) {
        throw new ConflictError(
          `The target already holds a collection named ${organization.collection_name}: is "${to.cell}" the same database as the tenant's own under another name?`,
          "to",
        );
      }
      await requireRoomIn(db, to.cell, to.namespaces);
      const now = new Date();
      const move: MoveDocument = {
        from,
        to,
        reserved: to,
        started_at: now,
        step: "fenced",
        fenced_at: now,
        copied: 0,
        verify_failures: 0,
        ...(options.actor && { by: options.actor.clientId }),
      };
      // A record from before cells is given its placement here; an existing one is left as it is,
      // so an index count written meanwhile is not overwritten.
      const { modifiedCount } = await db.organizations.updateOne(
        { _id: organization._id, move: { $exists: false }, pending: { $exists: false } },
        { $set: { move, ...(!organization.placement && { placement: from }) } },
      );
      if (modifiedCount === 0)
        throw new ConflictError("The organization changed meanwhile; try again.", "organization_name");
      await recordAudit(db, moveAudit("tenant.move_started", organization, move), options.context);
      await checkpoint("move", 1);
      return statusOf({ ...organization, move });
    },
    options.graceSeconds,
  );
}

/** Advance the move in slices, each under the organization's renewed lock, until it is done or the budget is spent. */
async function advance(
  db: Database,
  organizationId: ObjectId,
  initial: MoveStatus,
  options: MoveOptions,
): Promise<MoveStatus> {
  const graceSeconds = options.graceSeconds ?? config().reconcileGraceSeconds;
  const deadline = Date.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
  const sliceMs = Math.max(1_000, (graceSeconds * 1000) / 2);
  let status = initial;
  while (true) {
    let waitUntil: number | undefined;
    try {
      const result = await withRenewedOrganizationLock(
        db,
        organizationId,
        (lease) => advanceWithin(db, organizationId, Math.min(deadline, Date.now() + sliceMs), lease, options.context),
        graceSeconds,
      );
      status = result.status;
      waitUntil = result.waitUntil;
    } catch (error) {
      // Another worker (the reconciler, a second command) holds it for a slice: wait for it.
      if (!(error instanceof OrganizationBusyError)) throw error;
      waitUntil = Date.now() + 500;
    }
    if (status.step === "done") {
      // No move left, and the tenant not where this one was taking it: it was undone meanwhile.
      const arrived = status.to.cell === initial.to.cell && status.to.database === initial.to.database;
      return arrived ? { ...status, from: initial.from } : { ...initial, step: "undone" };
    }
    if (status.step === "undone" || Date.now() >= deadline) return status;
    if (waitUntil !== undefined) {
      if (options.waitForDrain === false || waitUntil >= deadline) return status;
      await sleep(waitUntil - Date.now());
    }
  }
}

interface SliceResult {
  readonly status: MoveStatus;
  /** Nothing to do before this time (a drain period). */
  readonly waitUntil?: number;
}

/** Run the move's next steps until `until`; the caller holds the organization's lock as `lease`. */
async function advanceWithin(
  db: Database,
  organizationId: ObjectId,
  until: number,
  lease: Lease,
  context: RequestContext | undefined,
): Promise<SliceResult> {
  const { drainSeconds, batchDocuments } = config().moves;
  while (true) {
    // A 64-bit `_id` to resume after stays exact (as a number it could round past documents).
    const organization = await db.organizations.findOne({ _id: organizationId }, { promoteLongs: false });
    if (!organization) throw new NotFoundError("The organization does not exist.");
    const move = organization.move;
    if (!move || Date.now() >= until) return { status: statusOf(organization) };
    const recorded = { _id: organizationId, "move.started_at": move.started_at, "move.step": move.step };
    const targetDatabase = await tenantDatabaseAt(move.to);
    const source = await tenantCollectionAt(organization, move.from);
    const target = targetDatabase.collection(organization.collection_name);

    switch (move.step) {
      case "fenced":
        await copyIndexes(source, target, targetDatabase);
        await checkpoint("move", 2);
        await db.organizations.updateOne(recorded, { $set: { "move.step": "indexes-copied" } });
        break;
      case "indexes-copied": {
        const batch = await copyBatch(source, target, move.last_id, batchDocuments);
        if (batch) {
          // Inserted, not yet recorded: a crash here repeats the batch, whose documents are then skipped.
          await checkpoint("move", 3);
          await db.organizations.updateOne(recorded, {
            $set: { "move.last_id": batch.lastId },
            $inc: { "move.copied": batch.read },
          });
        } else {
          await db.organizations.updateOne(recorded, { $set: { "move.step": "documents-copied" } });
          await checkpoint("move", 4);
        }
        break;
      }
      case "documents-copied": {
        const drained = move.fenced_at.getTime() + 1000 * drainSeconds;
        if (Date.now() < drained) return { status: statusOf(organization), waitUntil: drained };
        const [sourceDigest, targetDigest, sourceIndexes, targetIndexes] = await Promise.all([
          digestOf(source),
          digestOf(target),
          indexesOf(source),
          indexesOf(target),
        ]);
        await lease.assertHeld();
        if (
          sourceDigest.count !== targetDigest.count ||
          sourceDigest.hash !== targetDigest.hash ||
          !sameIndexes(sourceIndexes, targetIndexes)
        ) {
          await startCopyAgain(db, organization, move, target);
          break;
        }
        await checkpoint("move", 5);
        // The target's namespaces as they are: what the source had by the end, index changes that
        // landed in the drain period included.
        const placement = { ...move.to, namespaces: NEW_TENANT_NAMESPACES + targetIndexes.length };
        // The tenant is where it moved once the placement names the target: that is its event. A
        // move is carried on by whoever resumes it (a worker): the platform client that started it,
        // if one did, is recorded with it.
        const actor: EventActor = move.by ? { type: "platform", id: move.by } : SYSTEM_ACTOR;
        const change = await beginChange(db, actor, [
          {
            type: "tenant.moved",
            organizationId,
            data: { from: sideOf(move.from), to: sideOf(move.to) },
            proof: { kind: "marked", collection: "organizations", id: organizationId },
          },
        ]);
        const { modifiedCount } = await db.organizations.updateOne(recorded, {
          $set: {
            placement,
            "move.step": "switched",
            "move.switched_at": new Date(),
            "move.reserved": move.from,
            ...change.mark("tenant.moved"),
          },
        });
        // Not switched by this write (the record changed meanwhile): its intent, unmarked, is dropped by the reconciler.
        if (modifiedCount > 0) await change.commit(db);
        await checkpoint("move", 6);
        break;
      }
      case "switched": {
        const drained = (move.switched_at ?? move.fenced_at).getTime() + 1000 * drainSeconds;
        if (Date.now() < drained) return { status: statusOf(organization), waitUntil: drained };
        await lease.assertHeld();
        await dropCollectionOf(db, organization, move.from);
        await checkpoint("move", 7);
        await db.organizations.updateOne(recorded, { $unset: { move: "" } });
        await recordAudit(db, moveAudit("tenant.moved", organization, move), context);
        return { status: { ...statusOf(organization), step: "done" } };
      }
      case "undoing": {
        await lease.assertHeld();
        await dropCollectionOf(db, organization, move.to);
        await checkpoint("move-undo", 2);
        await db.organizations.updateOne(recorded, { $unset: { move: "" } });
        await recordAudit(db, moveAudit("tenant.move_undone", organization, move), context);
        return { status: { ...statusOf(organization), step: "undone" } };
      }
    }
  }
}

/** After this many verifications that found a difference, the move stops and asks for an operator. */
const MAX_VERIFY_FAILURES = 3;

/**
 * The sides differ: empty the target and copy again from the indexes on (the fence has stood long
 * enough that nothing changes the source now).
 */
async function startCopyAgain(
  db: Database,
  organization: OrganizationDocument,
  move: MoveDocument,
  target: Collection,
): Promise<void> {
  if (move.verify_failures + 1 >= MAX_VERIFY_FAILURES) {
    throw new Error(
      `The copy of "${organization.name}" differs from its source after ${MAX_VERIFY_FAILURES} attempts; undo the move and look into the target cell.`,
    );
  }
  await target.deleteMany({});
  await db.organizations.updateOne(
    { _id: organization._id, "move.started_at": move.started_at, "move.step": "documents-copied" },
    {
      $set: { "move.step": "fenced", "move.copied": 0 },
      $unset: { "move.last_id": "" },
      $inc: { "move.verify_failures": 1 },
    },
  );
}
