import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createGzip } from "node:zlib";
import { BSON, type Collection, type Document, type ObjectId } from "mongodb";
import tar from "tar-stream";
import { AS_STORED, DigestSum } from "../cells/copy";
import { placementOf, tenantCollectionAt } from "../cells/placement";
import type { Database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { indexesOf } from "../db/indexes";
import { NotFoundError } from "../errors";
import { toServiceEvent } from "../events/feed";
import { pendingFilter } from "../invitations/close";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST,
  type Manifest,
  type MemberPart,
  type InvitationPart,
  type MetadataPart,
  type OrganizationPart,
  PARTS,
  type PartName,
} from "./format";
import { SIGNATURE, signManifest } from "./signature";

/**
 * Writing an organization's archive (format.ts) to a stream, with memory that stays flat whatever
 * the tenant's size: every part is spooled to a file of its own in a temporary directory while its
 * SHA-256 is taken (a tar entry's header needs its size before its bytes), then the manifest and
 * the parts are packed and gzip'd into the sink, and the directory removed.
 *
 * The documents are read by one cursor, from wherever the organization's record says its
 * collection is; a read the server ends because the collection moved or was renamed under it is
 * made again from the new place. Writes go on meanwhile; what they mean for the archive is
 * {@link writeArchive}'s to say.
 */

/** What a part gathers before it writes (characters; a chunk's bytes are as many or a few more). */
const CHUNK_CHARACTERS = 256 * 1024;

/** How long a read waits for a rename or another change of the record to finish before it gives up. */
const RECORD_SETTLE_ATTEMPTS = 100;
const RECORD_SETTLE_MS = 100;

export interface WriteArchiveOptions {
  /** A platform client's export: the private metadata too. An owner's has the public metadata only. */
  readonly includePrivateMetadata: boolean;
  /** Documents the cursor fetches at a time (the progress is recorded after each). */
  readonly batchDocuments?: number;
  /** After each batch of documents is spooled: the progress to record (and, in tests, a write to make). */
  readonly afterBatch?: (exported: number) => Promise<void>;
  readonly now?: Date;
}

export interface WrittenArchive {
  readonly manifest: Manifest;
  /** The archive's own size and SHA-256, as the sink received it. */
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Write the organization's archive into `sink` and end it.
 *
 * What a write made during the export means for the archive: the manifest's hash is of exactly
 * the documents in it, so the archive always verifies; every document is in it once, as one
 * version it had while the export ran, and one neither inserted, changed nor deleted meanwhile as
 * it is. On FerretDB over PostgreSQL the cursor is one statement, so the archive is the collection
 * as the export began (archives.test.ts checks it there). On MongoDB it is a collection scan: a
 * document inserted or deleted during the export may or may not be in it — stop writing while it
 * runs for one instant across documents. The index definitions are read after the last document;
 * the members, invitations, metadata, audit log and events then.
 */
export async function writeArchive(
  db: Database,
  organizationId: ObjectId,
  sink: Writable,
  options: WriteArchiveOptions,
): Promise<WrittenArchive> {
  const spool = await mkdtemp(join(tmpdir(), "org-service-export-"));
  try {
    const parts = new Map<PartName, SpooledPart>();
    const start = async (name: PartName) => {
      const part = new SpooledPart(join(spool, name));
      parts.set(name, part);
      return part;
    };
    const organization = await readableRecord(db, organizationId);
    const documents = await spoolDocuments(db, organizationId, () => start("documents.ndjson"), options);
    const counts = await spoolTheRest(db, organization, start, options);
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      exported_at: (options.now ?? new Date()).toISOString(),
      organization: { id: organizationId.toHexString(), name: organization.name, slug: organization.slug },
      counts: { documents: documents.count, ...counts },
      documents_hash: documents.hash,
      private_metadata: options.includePrivateMetadata,
      parts: Object.fromEntries([...parts].map(([name, part]) => [name, part.summary()])) as Manifest["parts"],
    };
    const { bytes, sha256 } = await pack(manifest, spool, sink);
    return { manifest, bytes, sha256 };
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}

/**
 * A part being written to its spool file: its SHA-256 and size taken on the way. Lines are
 * gathered into chunks of {@link CHUNK_CHARACTERS} before they are encoded and written (one
 * buffer per chunk, not per document: the allocations an export makes stay few), and a write
 * waits when the file is behind.
 */
class SpooledPart {
  private readonly file: WriteStream;
  private readonly hash = createHash("sha256");
  private bytes = 0;
  private gathered: string[] = [];
  private gatheredLength = 0;
  /** A failed write (a full disk): the export fails with it, the process does not. */
  private failure: Error | undefined;

  constructor(path: string) {
    this.file = createWriteStream(path, { mode: 0o600 });
    this.file.on("error", (error) => {
      this.failure ??= error;
    });
  }

  async write(text: string): Promise<void> {
    this.gathered.push(text);
    this.gatheredLength += text.length;
    if (this.gatheredLength >= CHUNK_CHARACTERS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.gathered.length === 0) return;
    const chunk = Buffer.from(this.gathered.join(""), "utf8");
    this.gathered = [];
    this.gatheredLength = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    // `once` rejects when the file errs while it waits, and leaves no listener behind.
    if (!this.file.write(chunk)) await once(this.file, "drain");
  }

  async json(value: unknown): Promise<void> {
    await this.write(`${JSON.stringify(value, null, 2)}\n`);
    await this.close();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    this.file.end();
    await once(this.file, "finish");
  }

  summary(): { sha256: string; bytes: number } {
    return { sha256: this.hash.copy().digest("hex"), bytes: this.bytes };
  }
}

/** The record, once no change of it is under way; gone or half-deleted: not found. */
async function readableRecord(db: Database, organizationId: ObjectId): Promise<OrganizationDocument> {
  for (let attempt = 0; attempt < RECORD_SETTLE_ATTEMPTS; attempt++) {
    const organization = await db.organizations.findOne({ _id: organizationId }, { promoteLongs: false });
    if (!organization || organization.pending?.op === "create" || organization.pending?.op === "delete") {
      throw new NotFoundError("The organization does not exist.");
    }
    if (!organization.pending) return organization;
    await sleep(RECORD_SETTLE_MS);
  }
  throw new Error("The organization's record kept changing while its archive was written.");
}

/** Where the record says its collection is: a read that saw it change is made again from the new place. */
const whereOf = (organization: OrganizationDocument): string =>
  JSON.stringify([organization.collection_name, placementOf(organization).cell, placementOf(organization).database]);

/** Reads of the documents started afresh after the collection moved or was renamed under them, at most. */
const MAX_DOCUMENT_READS = 3;

/**
 * Every document, read by one cursor in the server's natural order (FerretDB streams it from
 * PostgreSQL or SQLite as one query: a snapshot there; a sort or a range per batch would scan and
 * sort the whole collection again for every batch). A cursor the server ended because the
 * collection was dropped or renamed under it (a move's switch, then the source's drop; a rename)
 * is read again from the start, from where the record says the collection is now.
 */
async function spoolDocuments(
  db: Database,
  organizationId: ObjectId,
  start: () => Promise<SpooledPart>,
  options: WriteArchiveOptions,
): Promise<{ count: number; hash: string }> {
  for (let read = 1; ; read++) {
    const part = await start();
    const where = await readableRecord(db, organizationId);
    try {
      return await readEveryDocument(await tenantCollectionAt(where), part, options);
    } catch (error) {
      await part.close().catch(() => undefined);
      const now = await db.organizations.findOne({ _id: organizationId });
      const moved = now !== null && (now.pending !== undefined || whereOf(now) !== whereOf(where));
      if (!moved || read >= MAX_DOCUMENT_READS) throw error;
    }
  }
}

async function readEveryDocument(
  collection: Collection,
  part: SpooledPart,
  options: WriteArchiveOptions,
): Promise<{ count: number; hash: string }> {
  const sum = new DigestSum();
  const batchSize = options.batchDocuments ?? 1_000;
  let exported = 0;
  for await (const raw of collection.find({}, { raw: true, batchSize })) {
    const bytes = raw as unknown as Uint8Array;
    sum.add(bytes);
    const document = BSON.deserialize(bytes, AS_STORED) as Document;
    await part.write(`${BSON.EJSON.stringify(document, { relaxed: false })}\n`);
    if (++exported % batchSize === 0) await options.afterBatch?.(exported);
  }
  await part.close();
  return sum.digest();
}

async function spoolTheRest(
  db: Database,
  organization: OrganizationDocument,
  start: (name: PartName) => Promise<SpooledPart>,
  options: WriteArchiveOptions,
): Promise<Omit<Manifest["counts"], "documents">> {
  const organizationId = organization._id;
  const indexes = await indexesOf(await tenantCollectionAt(await readableRecord(db, organizationId)));
  await (await start("indexes.json")).json(indexes);

  const { _id, name, slug, created_at } = organization;
  const record: OrganizationPart = { id: _id.toHexString(), name, slug, created_at: created_at.toISOString() };
  await (await start("organization.json")).json(record);

  const metadata: MetadataPart = {
    public: organization.public_metadata ?? {},
    ...(options.includePrivateMetadata && { private: organization.private_metadata ?? {} }),
  };
  await (await start("metadata.json")).json(metadata);

  const memberships = await db.memberships
    .find({ organization_id: organizationId })
    .sort({ joined_at: 1, _id: 1 })
    .toArray();
  const members: MemberPart[] = memberships.map((membership) => ({
    user_id: membership.user_id.toHexString(),
    email: membership.email,
    role: membership.role,
    joined_at: membership.joined_at.toISOString(),
  }));
  await (await start("members.json")).json(members);

  const pending = await db.invitations
    .find({ organization_id: organizationId, ...pendingFilter(options.now) })
    .sort({ created_at: 1, _id: 1 })
    .toArray();
  const invitations: InvitationPart[] = pending.map((invitation) => ({
    email: invitation.email,
    role: invitation.role,
    invited_by: invitation.invited_by.toHexString(),
    created_at: invitation.created_at.toISOString(),
    expires_at: invitation.expires_at.toISOString(),
  }));
  await (await start("invitations.json")).json(invitations);

  const audit = await start("audit.ndjson");
  let auditEntries = 0;
  for await (const entry of db.audit.find({ organization_id: organizationId }).sort({ _id: 1 })) {
    await audit.write(
      `${JSON.stringify({
        id: entry._id.toHexString(),
        action: entry.action,
        at: entry.at.toISOString(),
        ...(entry.admin_id && { user_id: entry.admin_id.toHexString() }),
        ...(entry.client_id && { client_id: entry.client_id }),
        ...(entry.email && { email: entry.email }),
        ...(entry.source_ip && { source_ip: entry.source_ip }),
        ...(entry.request_id && { request_id: entry.request_id }),
        ...(entry.details && { details: entry.details }),
      })}\n`,
    );
    auditEntries++;
  }
  await audit.close();

  const events = await start("events.ndjson");
  let eventCount = 0;
  for await (const event of db.events.find({ organization_id: organizationId }).sort({ org_seq: 1 })) {
    await events.write(`${JSON.stringify(toServiceEvent(event))}\n`);
    eventCount++;
  }
  await events.close();

  return {
    indexes: indexes.length,
    members: members.length,
    invitations: invitations.length,
    audit_entries: auditEntries,
    events: eventCount,
  };
}

/** The manifest, then every part from its spool file, into a gzip'd tar written to `sink`. */
async function pack(manifest: Manifest, spool: string, sink: Writable): Promise<{ bytes: number; sha256: string }> {
  const archive = tar.pack();
  const measured = measuringTap();
  const written = pipeline(archive, createGzip(), measured.tap, sink);
  const mtime = new Date(manifest.exported_at);
  const entry = (name: string, size: number, from: NodeJS.ReadableStream | Buffer) =>
    new Promise<void>((resolve, reject) => {
      const target = archive.entry({ name, size, mtime, mode: 0o644 }, (error) => (error ? reject(error) : resolve()));
      if (Buffer.isBuffer(from)) target.end(from);
      else pipeline(from, target).catch(reject);
    });
  try {
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
    await entry(MANIFEST, manifestBytes.length, manifestBytes);
    const signature = Buffer.from(
      `${await signManifest(createHash("sha256").update(manifestBytes).digest("hex"))}\n`,
      "utf8",
    );
    await entry(SIGNATURE, signature.length, signature);
    for (const name of PARTS) await entry(name, manifest.parts[name].bytes, createReadStream(join(spool, name)));
    archive.finalize();
  } catch (error) {
    archive.destroy(error as Error);
  }
  await written;
  return measured.result();
}

/** A stream that passes bytes through and counts and hashes them on the way (an archive as it is sent, or received). */
export function measuringTap(): { readonly tap: PassThrough; result(): { bytes: number; sha256: string } } {
  const hash = createHash("sha256");
  let bytes = 0;
  const tap = new PassThrough();
  tap.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  return { tap, result: () => ({ bytes, sha256: hash.digest("hex") }) };
}
