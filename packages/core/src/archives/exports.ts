import type { Writable } from "node:stream";
import { type Db, ObjectId } from "mongodb";
import { requireScope } from "../auth/permissions";
import { type PlatformActor, requirePlatformScope } from "../clients/authenticate";
import { recordAudit } from "../audit";
import { placementOf, tenantDatabaseAt } from "../cells/placement";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { ExportDocument, ExportOutcomeDocument, OrganizationDocument } from "../db/documents";
import { checkpoint } from "../checkpoints";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { eventActorOf, platformEventActor } from "../events/actor";
import { beginChange, markSlot } from "../events/change";
import type { EventActor } from "../events/types";
import { logger, redact } from "../logger";
import {
  type Actor,
  findOrganizationDocument,
  ownOrganization,
  toObjectId,
  visibleOrganization,
} from "../organizations/model";
import { organizationNameSchema, parseInput } from "../validation";
import { archiveKey, archiveStore, DOWNLOAD_LINK_SECONDS } from "./store";
import { exportListener } from "./signal";
import { writeArchive, type WrittenArchive } from "./write";

/**
 * Exports of one organization's data (format.ts), started by an owner (`POST /org/exports`) or a
 * platform client (`POST /platform/organizations/{id}/exports`) and written by a worker: the
 * local server's process, or the export function it starts when deployed. One runs per
 * organization at a time (a lock keyed by the organization's id decides a race of two starts).
 * A worker that dies leaves its heartbeat to age: the reconciler marks the export failed and
 * frees the organization for the next. A completed archive is kept for
 * {@link ARCHIVE_RETENTION_DAYS} days and downloaded through links that work 15 minutes.
 */

export const ARCHIVE_RETENTION_DAYS = 7;

export type ExportState = "running" | "completed" | "failed" | "expired";

export interface ExportStatus {
  readonly id: string;
  readonly organizationId: string;
  readonly state: ExportState;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  readonly documentsExported: number;
  /** The collection's estimated size when the export began. */
  readonly documentsTotal: number;
  readonly privateMetadata: boolean;
  readonly archive?: {
    readonly bytes: number;
    readonly sha256: string;
    readonly expiresAt: Date;
    readonly counts: Readonly<Record<string, number>>;
  };
  /** A completed archive still kept: where to download it, until when. */
  readonly download?: { readonly url: string; readonly expiresAt: Date };
  readonly failure?: string;
}

/** `POST /org/exports` — an owner's export of their own organization (public metadata only). */
export async function startOwnExport(actor: Actor, context: RequestContext = {}): Promise<ExportStatus> {
  requireScope(actor, "org:export", "export the organization's data");
  const db = await database();
  const organization = await ownOrganization(db, actor);
  return startExport(db, organization, eventActorOf(actor), false, context);
}

/** `POST /platform/organizations/{id}/exports` — a platform client's export, private metadata included. */
export async function startPlatformExport(
  actor: PlatformActor,
  id: string,
  context: RequestContext = {},
): Promise<ExportStatus> {
  requirePlatformScope(actor, "platform:write", "export organizations");
  const db = await database();
  return startExport(db, await visibleOrganization(db, id), platformEventActor(actor), true, context);
}

/** An export as of the request's time: whether its archive is still kept, until when its link works. */
export async function getOwnExport(
  actor: Actor,
  exportId: string,
  context: RequestContext = {},
): Promise<ExportStatus> {
  requireScope(actor, "org:export", "read the organization's exports");
  const db = await database();
  const organization = await ownOrganization(db, actor);
  return statusOf(await exportOf(db, organization._id, exportId, OWNERS_EXPORTS), nowOf(context));
}

export async function getPlatformExport(
  actor: PlatformActor,
  id: string,
  exportId: string,
  context: RequestContext = {},
): Promise<ExportStatus> {
  requirePlatformScope(actor, "platform:read", "read organizations' exports");
  const db = await database();
  const organizationId = organizationIdOf(id);
  return statusOf(await exportOf(db, organizationId, exportId), nowOf(context));
}

/** The newest exports first, at most 50: they are kept as records after their archives expire. */
export async function listOwnExports(actor: Actor, context: RequestContext = {}): Promise<ExportStatus[]> {
  requireScope(actor, "org:export", "read the organization's exports");
  const db = await database();
  return listExports(db, (await ownOrganization(db, actor))._id, nowOf(context), OWNERS_EXPORTS);
}

export async function listPlatformExports(
  actor: PlatformActor,
  id: string,
  context: RequestContext = {},
): Promise<ExportStatus[]> {
  requirePlatformScope(actor, "platform:read", "read organizations' exports");
  return listExports(await database(), organizationIdOf(id), nowOf(context));
}

const EXPORTS_LISTED = 50;

/**
 * What an owner sees of the exports: their own kind, without the private metadata. A platform
 * client's export holds the operator's private metadata, which members never read.
 */
const OWNERS_EXPORTS = { private_metadata: false } as const;

async function listExports(
  db: Database,
  organizationId: ObjectId,
  now: Date,
  only: Partial<Pick<ExportDocument, "private_metadata">> = {},
): Promise<ExportStatus[]> {
  const found = await db.exports
    .find({ organization_id: organizationId, ...only })
    .sort({ _id: -1 })
    .limit(EXPORTS_LISTED)
    .toArray();
  // Links are made for the newest completed one only: a list is for choosing, a GET for downloading.
  return Promise.all(found.map((document) => statusOf(document, now, { link: false })));
}

function organizationIdOf(id: string): ObjectId {
  const organizationId = toObjectId(id);
  if (!organizationId) throw new ValidationError([{ path: "organization_id", message: "is not an organization id" }]);
  return organizationId;
}

async function exportOf(
  db: Database,
  organizationId: ObjectId,
  exportId: string,
  only: Partial<Pick<ExportDocument, "private_metadata">> = {},
): Promise<ExportDocument> {
  const id = toObjectId(exportId);
  if (!id) throw new ValidationError([{ path: "export_id", message: "is not an export id" }]);
  // The organization's own: an id of another organization's export is as unknown as a made-up one.
  const found = await db.exports.findOne({ _id: id, organization_id: organizationId, ...only });
  if (!found) throw new NotFoundError("This organization has no export with this id.");
  return found;
}

async function startExport(
  db: Database,
  organization: OrganizationDocument,
  requestedBy: EventActor,
  privateMetadata: boolean,
  context: RequestContext,
): Promise<ExportStatus> {
  const now = nowOf(context);
  const exportId = new ObjectId();
  await takeExportLock(db, organization._id, exportId, now);
  const document: ExportDocument = {
    _id: exportId,
    organization_id: organization._id,
    requested_by: requestedBy,
    private_metadata: privateMetadata,
    state: "running",
    created_at: now,
    heartbeat_at: now,
    documents_total: 0,
    documents_exported: 0,
  };
  try {
    await db.exports.insertOne(document);
    await recordAudit(
      db,
      { action: "organization.export_started", organizationId: organization._id, ...auditActor(requestedBy) },
      context,
    );
    await requestRun(exportId.toHexString());
  } catch (error) {
    // Not started after all (the export function could not be invoked): the organization is free again.
    await failExport(db, document, "The export could not be started; start another.", now).catch(() => undefined);
    await db.exportLocks.deleteOne({ _id: organization._id, export_id: exportId });
    throw error;
  }
  return statusOf(document, now);
}

/** The organization's one running export; a holder whose heartbeat stopped is failed and its place taken. */
async function takeExportLock(db: Database, organizationId: ObjectId, exportId: ObjectId, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await db.exportLocks.insertOne({ _id: organizationId, export_id: exportId, started_at: now });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const held = await db.exportLocks.findOne({ _id: organizationId });
    if (!held) continue;
    const running = await db.exports.findOne({ _id: held.export_id });
    // Just taken, its export not yet recorded (a start racing this one), or beating: it stands.
    const live = running
      ? running.state === "running" && !isStale(running.heartbeat_at, now)
      : !isStale(held.started_at, now);
    if (live) {
      throw new ConflictError("An export of this organization is running; start another once it has ended.", "export");
    }
    if (running) await failExport(db, running, "The export was interrupted; start another.", now);
    await db.exportLocks.deleteOne({ _id: organizationId, export_id: held.export_id });
  }
  throw new ConflictError("Another export of this organization started at the same moment; try again.", "export");
}

const isStale = (since: Date, now: Date) => since.getTime() < now.getTime() - config().reconcileGraceSeconds * 1000;

async function requestRun(exportId: string): Promise<void> {
  const listener = exportListener();
  if (listener) {
    await listener(exportId);
    return;
  }
  // In this process (the local server, a command, a test): the answer does not wait for it.
  const running = runExport(exportId).catch((error: unknown) => {
    logger.error("An export failed", { export_id: exportId, error: redact(String((error as Error).message)) });
  });
  inProcess.add(running);
  void running.finally(() => inProcess.delete(running));
}

const inProcess = new Set<Promise<void>>();

/** Wait for the exports this process is writing to end (a server that stops, before its archives go). */
export async function exportsInProcessSettled(): Promise<void> {
  while (inProcess.size > 0) await Promise.allSettled([...inProcess]);
}

/**
 * Write the export's archive to the store and record it completed (with its `export.completed`
 * event), or failed. What the export function and the local process run; a repeat for an export
 * no longer running does nothing. The heartbeat is renewed on a timer while it works, so only a
 * worker that died (or stalled for the grace period) is taken for one.
 */
export async function runExport(exportId: string): Promise<void> {
  const db = await database();
  const id = toObjectId(exportId);
  const document = id && (await db.exports.findOne({ _id: id }));
  if (document?.state !== "running") return;
  const key = archiveKey(document.organization_id.toHexString(), exportId);
  const store = await archiveStore();
  let exported = 0;
  const beat = () =>
    db.exports
      .updateOne(
        { _id: document._id, state: "running" },
        { $set: { heartbeat_at: new Date(), documents_exported: exported } },
      )
      .catch(() => undefined);
  const heartbeat = setInterval(beat, Math.max(1_000, (config().reconcileGraceSeconds * 1000) / 4));
  const { stream, done } = store.writer(key);
  try {
    // What the progress counts against, by the worker: a count can take seconds on FerretDB, which
    // the answer to the start should not wait for.
    const organization = await db.organizations.findOne({ _id: document.organization_id });
    if (organization) {
      const total = await documentsIn(await tenantDatabaseAt(placementOf(organization)), organization.collection_name);
      await db.exports.updateOne({ _id: document._id, state: "running" }, { $set: { documents_total: total } });
    }
    const [written] = await Promise.all([
      writeArchive(db, document.organization_id, stream, {
        includePrivateMetadata: document.private_metadata,
        afterBatch: async (count) => {
          exported = count;
          await beat();
        },
      }),
      done,
    ]);
    clearInterval(heartbeat);
    await complete(db, document, key, written);
  } catch (error) {
    clearInterval(heartbeat);
    stream.destroy();
    await done.catch(() => undefined);
    const failure =
      error instanceof NotFoundError
        ? "The organization was deleted while its data was exported."
        : "The export failed; start another.";
    await failExport(db, document, failure);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * How many documents the collection holds, as the server's statistics say (FerretDB answers from
 * its metadata in a tenth of a second where a count reads every document: seconds at 100,000).
 */
async function documentsIn(tenants: Db, collectionName: string): Promise<number> {
  try {
    const count = Number((await tenants.command({ collStats: collectionName })).count);
    if (Number.isFinite(count) && count >= 0) return count;
  } catch {
    // A server without collStats: counted below.
  }
  return tenants.collection(collectionName).estimatedDocumentCount();
}

/**
 * The outcome of an export, decided once: by inserting it under the export's id, so that of a
 * worker completing and the reconciler failing it as stale (FerretDB's conditional updates are
 * no compare-and-set) exactly one wins. The record then takes it; a process that dies in between
 * leaves the outcome, which the reconciler applies (settleExports), marks included.
 */
async function decide(db: Database, exportId: ObjectId, outcome: Omit<ExportOutcomeDocument, "_id">): Promise<boolean> {
  try {
    await db.exportOutcomes.insertOne({ _id: exportId, ...outcome });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

async function apply(db: Database, exportId: ObjectId, outcome: Omit<ExportOutcomeDocument, "_id">): Promise<void> {
  const mark = outcome.event_change && { [`event_marks.${markSlot("export.completed")}`]: outcome.event_change };
  await db.exports.updateOne({ _id: exportId }, { $set: { ...outcome.set, ...mark } });
  await db.exportLocks.deleteOne({ export_id: exportId });
}

async function complete(db: Database, document: ExportDocument, key: string, written: WrittenArchive): Promise<void> {
  const finishedAt = new Date();
  const expiresAt = new Date(finishedAt.getTime() + ARCHIVE_RETENTION_DAYS * 86_400_000);
  const { manifest } = written;
  const exportId = document._id.toHexString();
  const change = await beginChange(db, document.requested_by, [
    {
      type: "export.completed",
      organizationId: document.organization_id,
      data: {
        export_id: exportId,
        documents: manifest.counts.documents,
        bytes: written.bytes,
        sha256: written.sha256,
        expires_at: expiresAt.toISOString(),
      },
      proof: { kind: "marked", collection: "exports", id: document._id },
    },
  ]);
  const outcome = {
    set: {
      state: "completed" as const,
      finished_at: finishedAt,
      documents_exported: manifest.counts.documents,
      archive: { key, bytes: written.bytes, sha256: written.sha256, expires_at: expiresAt },
      counts: manifest.counts,
    },
    // Its event's mark, written with the state (a stored document may not have a dotted key).
    event_change: change.id,
  };
  if (!(await decide(db, document._id, outcome))) {
    // Failed meanwhile as interrupted (its heartbeat had aged): that verdict stands, and the archive goes.
    await change.abandon(db);
    await (await archiveStore()).remove(key).catch(() => undefined);
    return;
  }
  await checkpoint("export", 1);
  await apply(db, document._id, outcome);
  await change.commit(db);
  await recordAudit(db, {
    action: "organization.exported",
    organizationId: document.organization_id,
    ...auditActor(document.requested_by),
    details: { export_id: exportId, documents: String(manifest.counts.documents) },
  });
}

/**
 * Fail the export, unless it was decided already, and remove whatever it wrote of its archive.
 * `now`: the time of the start that fails it; the worker and the reconciler fail it at the clock's.
 */
async function failExport(db: Database, document: ExportDocument, failure: string, now = new Date()): Promise<void> {
  const outcome = { set: { state: "failed" as const, finished_at: now, failure } };
  if (!(await decide(db, document._id, outcome))) return;
  await (await archiveStore())
    .remove(archiveKey(document.organization_id.toHexString(), document._id.toHexString()))
    .catch(() => undefined);
  await apply(db, document._id, outcome);
  await recordAudit(
    db,
    {
      action: "organization.export_failed",
      organizationId: document.organization_id,
      ...auditActor(document.requested_by),
      details: { export_id: document._id.toHexString() },
    },
    { now },
  );
}

/**
 * The reconciler's part: outcomes decided but not applied (a worker that died in between) are
 * applied; exports whose worker stopped beating for the grace period are failed (their
 * organization free for another, what they wrote removed); archives past their retention are
 * removed (the bucket's rule does it deployed; a directory has none).
 */
export async function settleExports(
  db: Database,
  { now, cutoff }: { readonly now: Date; readonly cutoff: Date },
): Promise<{ failed: number; expired: number }> {
  let failed = 0;
  for (const running of await db.exports.find({ state: "running", heartbeat_at: { $lte: cutoff } }).toArray()) {
    const decided = await db.exportOutcomes.findOne({ _id: running._id });
    if (decided) await apply(db, running._id, decided);
    else {
      await failExport(db, running, "The export was interrupted; start another.");
      failed++;
    }
  }
  let expired = 0;
  const completed = await db.exports
    .find({ state: "completed", "archive.expires_at": { $lte: now }, "archive.removed": { $exists: false } })
    .toArray();
  if (completed.length > 0) {
    const store = await archiveStore();
    for (const document of completed) {
      if (!store.expiresByItself) await store.remove(document.archive!.key);
      await db.exports.updateOne({ _id: document._id }, { $set: { "archive.removed": true } });
      expired++;
    }
  }
  return { failed, expired };
}

function auditActor(actor: EventActor): { userId?: ObjectId; clientId?: string } {
  if (actor.type === "user") return { userId: new ObjectId(actor.id) };
  if (actor.type === "client" || actor.type === "platform") return { clientId: actor.id };
  return {};
}

/** The file name a download gives the archive: the organization's id and the export's time. */
const fileNameOf = (document: ExportDocument) =>
  `${document.organization_id.toHexString()}-${document.created_at.toISOString().replace(/[:.]/g, "-")}.tar.gz`;

async function statusOf(
  document: ExportDocument,
  now: Date,
  options: { readonly link: boolean } = { link: true },
): Promise<ExportStatus> {
  const archive = document.archive;
  const kept = document.state === "completed" && archive && !archive.removed && archive.expires_at > now;
  const state: ExportState = document.state === "completed" && !kept ? "expired" : document.state;
  let download: ExportStatus["download"];
  if (kept && options.link) {
    const url = await (await archiveStore()).downloadUrl(archive.key, fileNameOf(document), DOWNLOAD_LINK_SECONDS);
    download = { url, expiresAt: new Date(now.getTime() + DOWNLOAD_LINK_SECONDS * 1000) };
  }
  return {
    id: document._id.toHexString(),
    organizationId: document.organization_id.toHexString(),
    state,
    createdAt: document.created_at,
    ...(document.finished_at && { finishedAt: document.finished_at }),
    documentsExported: document.documents_exported,
    documentsTotal: document.documents_total,
    privateMetadata: document.private_metadata,
    ...(archive && {
      archive: {
        bytes: archive.bytes,
        sha256: archive.sha256,
        expiresAt: archive.expires_at,
        counts: document.counts ?? {},
      },
    }),
    ...(download && { download }),
    ...(document.failure && { failure: document.failure }),
  };
}

/**
 * `pnpm tenants export`: the named organization's archive, private metadata included, written
 * straight into `sink` by this process (no export record: the operator holds the file).
 */
export async function exportOrganization(organizationName: string, sink: Writable): Promise<WrittenArchive> {
  const db = await database();
  const organization = await findOrganizationDocument(db, parseInput(organizationNameSchema, organizationName), {
    _id: 1,
  });
  return writeArchive(db, organization._id, sink, { includePrivateMetadata: true });
}

/** A completed export still kept at `now` (the restore's time), for a restore by `export_id`: its archive's key. */
export async function keptArchiveOf(
  db: Database,
  exportId: string,
  now: Date = new Date(),
): Promise<{ key: string; organizationId: ObjectId }> {
  const id = toObjectId(exportId);
  if (!id) throw new ValidationError([{ path: "export_id", message: "is not an export id" }]);
  const found = await db.exports.findOne({ _id: id });
  const archive = found?.archive;
  if (found?.state !== "completed" || !archive || archive.removed || archive.expires_at <= now) {
    throw new NotFoundError("No completed export with this id is kept.");
  }
  return { key: archive.key, organizationId: found.organization_id };
}
