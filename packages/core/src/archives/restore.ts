import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { BSON, type Collection, type Document, ObjectId } from "mongodb";
import * as z from "zod/mini";
import { issueAccountToken } from "../account/tokens";
import { recordAudit } from "../audit";
import { type PlatformActor, requirePlatformScope } from "../clients/authenticate";
import { ROLES } from "../auth/permissions";
import { cellWithMostRoom } from "../cells/capacity";
import { DigestSum, digestOf, sameIndexes } from "../cells/copy";
import { NEW_TENANT_NAMESPACES, placementIn, tenantCollectionAt } from "../cells/placement";
import { checkpoint } from "../checkpoints";
import { config } from "../config";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { OrganizationDocument, UserDocument } from "../db/documents";
import { ID_INDEX, type IndexSpec, indexesOf } from "../db/indexes";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { checkKeys } from "../data/indexes";
import { ConflictError, QuotaExceededError, TooLargeError } from "../errors";
import { platformEventActor } from "../events/actor";
import { beginChange } from "../events/change";
import { sendBestEffort } from "../mail/mailer";
import { appLink, restoredAccountMail } from "../mail/templates";
import { newMembership } from "../members/membership";
import { type Lease, withRenewedOrganizationLock } from "../organizations/lock";
import { indexNames } from "../organizations/search";
import { createTenantCollection, nameTaken, rollBackCreate } from "../organizations/steps";
import { hashPassword } from "../passwords";
import { collectionNameFor, slugify } from "../slug";
import { emailSchema, organizationNameSchema, parseInput } from "../validation";
import type { Manifest } from "./format";
import { keptArchiveOf } from "./exports";
import { invalidArchive, type OpenedArchive, openArchive } from "./read";
import { archiveStore } from "./store";

/**
 * Restoring an organization from an archive (format.ts), as a create is made (organizations/
 * create.ts): the record first, marked `pending: create` with `restore`, so that no reader sees it
 * and a crash anywhere leaves what the reconciler undoes; then the members, the collection with
 * its indexes and documents; then the check that the collection holds exactly the archive's
 * documents (their count and order-independent hash, of the bytes the server holds) and indexes;
 * only then the mark removed, in the write that also records the `organization.restored` event.
 * The organization's lock is held, and renewed, throughout, so the reconciler leaves a restore
 * that is still working alone however long its copy takes.
 *
 * Everything the archive holds is checked before anything is written: its hashes (read.ts), its
 * parts' shapes, each document's Extended JSON, and the documents' hash recomputed from them,
 * the organization's name (taken or not), the data limits, and the room of the cell it will go to.
 */

export const restoreOptionsSchema = z.object({ organizationName: z.optional(organizationNameSchema) });
export type RestoreOptions = z.input<typeof restoreOptionsSchema>;

export interface RestoredOrganization {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  /** The organization's id in the archive: the same as `id` when it was free. */
  readonly originalId: string;
  readonly documents: number;
  readonly indexes: number;
  readonly members: readonly { readonly email: string; readonly role: string; readonly account: "existing" | "new" }[];
  /**
   * Trusted: signed by this service (or restored by the operator's command), so its metadata and
   * original id were restored. Not: restored under a new id, without metadata.
   */
  readonly signed: boolean;
}

const hexId = z.string().check(z.regex(/^[0-9a-f]{24}$/));
const isoDate = z.pipe(
  z.iso.datetime(),
  z.transform((value: string) => new Date(value)),
);
const organizationPartSchema = z.object({ id: hexId, name: z.string(), slug: z.string(), created_at: isoDate });
const metadataPartSchema = z.object({
  public: z.record(z.string(), z.unknown()),
  private: z.optional(z.record(z.string(), z.unknown())),
});
const indexesPartSchema = z.array(
  z.object({
    name: z.string().check(
      z.minLength(1),
      z.maxLength(128),
      z.refine((name) => name !== ID_INDEX, "is _id's own index"),
    ),
    key: z.unknown(),
    unique: z.boolean(),
    sparse: z.boolean(),
  }),
);
/** Members a restore makes at most (each new account is mailed). */
export const MAX_RESTORED_MEMBERS = 10_000;
const membersPartSchema = z
  .array(z.object({ user_id: hexId, email: emailSchema, role: z.enum(ROLES), joined_at: isoDate }))
  .check(z.minLength(1), z.maxLength(MAX_RESTORED_MEMBERS));

/** Where an archive to restore comes from: uploaded with the request, or an export the service still keeps. */
export type ArchiveSource = { readonly upload: Uint8Array } | { readonly exportId: string };

/**
 * The most an archive may unpack to: four times the data an organization may hold (canonical
 * Extended JSON spells a BSON number in a few times its bytes) and room for its history.
 */
export const unpackLimit = (): number => 4 * config().data.maxDataBytes + 64 * 1024 * 1024;

/** The most an uploaded archive may unpack to: a gzip of 4 MiB could otherwise fill any disk. */
export const UPLOAD_UNPACK_MAX_BYTES = 384 * 1024 * 1024;

/** `POST /platform/organizations/restore` (platform:write): the organization of an archive, restored. */
export async function restorePlatformOrganization(
  actor: PlatformActor,
  source: ArchiveSource,
  options: RestoreOptions,
  context: RequestContext = {},
): Promise<RestoredOrganization> {
  requirePlatformScope(actor, "platform:write", "restore organizations");
  parseInput(restoreOptionsSchema, options);
  // One instant for the whole restore, from the export it reads to the records it writes.
  const at = { ...context, now: nowOf(context) };
  const kept = "upload" in source ? undefined : await keptArchiveOf(await database(), source.exportId, at.now);
  const stream = kept
    ? await (await archiveStore()).reader(kept.key)
    : Readable.from([Buffer.from((source as { upload: Uint8Array }).upload)]);
  // An upload unpacks within a function's temporary disk (512 MB); a kept export was written here.
  const maxBytes = "upload" in source ? Math.min(UPLOAD_UNPACK_MAX_BYTES, unpackLimit()) : unpackLimit();
  const archive = await openArchive(stream, { maxBytes });
  try {
    return await restoreOrganization(archive, options, { actor, context: at, trust: "signed-archives" });
  } finally {
    await archive.close();
  }
}

/** `pnpm tenants restore`: the organization of the archive `source` streams, restored by the operator. */
export async function restoreArchive(
  source: NodeJS.ReadableStream,
  options: RestoreOptions,
): Promise<RestoredOrganization> {
  parseInput(restoreOptionsSchema, options);
  const archive = await openArchive(Readable.from(source), { maxBytes: unpackLimit() });
  try {
    return await restoreOrganization(archive, options, { trust: "operator" });
  } finally {
    await archive.close();
  }
}

/**
 * Who restores decides what an archive is trusted with. An operator with the database (the
 * command) is trusted as the database is; through the API, only an archive this service signed is
 * trusted with the operator's metadata and the organization id it names — an unsigned or altered
 * one (an owner may edit their own export before handing it over) is restored under a new id,
 * without metadata.
 */
interface Restorer {
  readonly actor?: PlatformActor;
  readonly context?: RequestContext;
  readonly trust: "signed-archives" | "operator";
}

/** The operator's command's way in (`pnpm tenants restore`), and the API's once its caller is checked. */
export async function restoreOrganization(
  archive: OpenedArchive,
  options: RestoreOptions,
  by: Restorer,
): Promise<RestoredOrganization> {
  const { organizationName } = parseInput(restoreOptionsSchema, options);
  const db = await database();
  const now = nowOf(by.context);
  const trusted = by.trust === "operator" || archive.signed;
  const plan = await planOf(db, archive, organizationName, trusted, now);
  const { restored, members } = await withRenewedOrganizationLock(db, plan.organization._id, (lease) =>
    restore(db, archive, plan, { ...by, context: { ...by.context, now } }, lease),
  );
  await welcomeNewMembers(db, plan.organization.name, members, { ...by.context, now });
  return restored;
}

interface Plan {
  readonly manifest: Manifest;
  readonly trusted: boolean;
  readonly organization: OrganizationDocument;
  readonly originalId: string;
  readonly indexes: readonly IndexSpec[];
  readonly members: readonly { email: string; role: (typeof ROLES)[number]; joined_at: Date; user?: ObjectId }[];
}

/** Everything checked, nothing written: the organization to make, with its id, name, placement and members. */
async function planOf(
  db: Database,
  archive: OpenedArchive,
  organizationName: string | undefined,
  trusted: boolean,
  now: Date,
): Promise<Plan> {
  const { manifest } = archive;
  const original = partOf(organizationPartSchema, await archive.json("organization.json"), "organization.json");
  const metadata = partOf(metadataPartSchema, await archive.json("metadata.json"), "metadata.json");
  const indexes = partOf(indexesPartSchema, await archive.json("indexes.json"), "indexes.json").map(
    ({ name, key, unique, sparse }) => {
      try {
        return { name, key: checkKeys(key), unique, sparse };
      } catch (error) {
        throw invalidArchive(`indexes.json: the index ${name} has keys the data API does not allow`, { cause: error });
      }
    },
  );
  if (new Set(indexes.map((index) => index.name)).size !== indexes.length)
    throw invalidArchive("indexes.json names an index twice");
  if (new Set(indexes.map((index) => JSON.stringify(index.key))).size !== indexes.length) {
    throw invalidArchive("indexes.json has two indexes on the same keys");
  }
  const members = partOf(membersPartSchema, await archive.json("members.json"), "members.json");
  if (!members.some((member) => member.role === "owner")) throw invalidArchive("members.json names no owner");
  if (new Set(members.map((member) => member.email)).size !== members.length) {
    throw invalidArchive("members.json names an email twice");
  }

  const limits = config().data;
  if (indexes.length > limits.maxIndexes) throw new QuotaExceededError("max_indexes", limits.maxIndexes);
  await checkDocuments(archive, manifest, limits, await unstoredTypeOf(db));

  const name = parseInput(z.object({ organization_name: organizationNameSchema }), {
    organization_name: organizationName ?? original.name,
  }).organization_name;
  const slug = slugify(name);
  if (await db.organizations.findOne({ slug }, { projection: { _id: 1 } })) throw nameTaken(name);

  const originalTaken =
    !trusted || (await db.organizations.findOne({ _id: new ObjectId(original.id) }, { projection: { _id: 1 } }));
  const organizationId = originalTaken ? new ObjectId() : new ObjectId(original.id);
  const accounts = await db.users
    .find(
      { email: { $in: members.map((member) => member.email) } },
      { projection: { _id: 1, email: 1, email_verified: 1 } },
    )
    .toArray();
  // An account whose owner never proved the address (anyone may sign up with any email) is not
  // the member the archive names: made a member, it would take their role, an owner's included.
  const unproven = accounts.filter((account) => account.email_verified !== true).map((account) => account.email);
  if (unproven.length > 0) throw unprovenAccounts(unproven);
  const planned = members.map((member) => {
    const user = accounts.find((account) => account.email === member.email)?._id;
    return { email: member.email, role: member.role, joined_at: member.joined_at, ...(user && { user }) };
  });
  const firstOwner = planned.find((member) => member.role === "owner")!;

  const namespaces = NEW_TENANT_NAMESPACES + indexes.length;
  const cell = await cellWithMostRoom(db, namespaces);
  const organization: OrganizationDocument = {
    _id: organizationId,
    // The first owner's account; made below when it has none, under this id.
    admin_id: firstOwner.user ?? new ObjectId(),
    name,
    slug,
    collection_name: collectionNameFor(slug),
    placement: placementIn(cell, "pool", organizationId, namespaces),
    created_at: original.created_at,
    updated_at: now,
    pending: { op: "create", started_at: now, restore: true },
    // The operator's, set through the platform API: from an archive this service signed only.
    ...(trusted && Object.keys(metadata.public).length > 0 && { public_metadata: metadata.public }),
    ...(trusted &&
      manifest.private_metadata &&
      metadata.private &&
      Object.keys(metadata.private).length > 0 && { private_metadata: metadata.private }),
  };
  return { manifest, trusted, organization, originalId: original.id, indexes, members: planned };
}

function unprovenAccounts(emails: readonly string[]): ConflictError {
  return new ConflictError(
    `These members' addresses have accounts whose email is not verified, which the restore will not make members: ${emails.join(", ")}. Have them verify it (POST /me/verify-email), or remove those accounts, and restore again.`,
    "archive",
  );
}

function partOf<T extends z.ZodMiniType>(schema: T, value: unknown, part: string): z.output<T> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidArchive(
      `${part} is malformed${issue ? ` at ${issue.path.join(".") || "its top"}: ${issue.message}` : ""}`,
    );
  }
  return parsed.data;
}

/** Every line a document in canonical Extended JSON with an `_id`, within the limits, and together the manifest's count and hash. */
async function checkDocuments(
  archive: OpenedArchive,
  manifest: Manifest,
  limits: { readonly maxDocuments: number; readonly maxDataBytes: number },
  stores: (document: Document) => string | undefined,
): Promise<void> {
  const sum = new DigestSum();
  let bytes = 0;
  let line = 0;
  for await (const text of archive.lines("documents.ndjson")) {
    line++;
    const document = parseDocument(text, line);
    const unstored = stores(document);
    if (unstored) {
      throw invalidArchive(
        `documents.ndjson line ${line} holds a ${unstored}, which this database (FerretDB) does not store`,
      );
    }
    const serialized = BSON.serialize(document);
    bytes += serialized.length;
    sum.add(serialized);
  }
  const digest = sum.digest();
  if (digest.count !== manifest.counts.documents || digest.hash !== manifest.documents_hash) {
    throw invalidArchive("documents.ndjson does not hold the documents its manifest's count and hash name");
  }
  if (digest.count > limits.maxDocuments) throw new QuotaExceededError("max_documents", limits.maxDocuments);
  if (bytes > limits.maxDataBytes) throw new QuotaExceededError("max_data_bytes", limits.maxDataBytes);
}

/**
 * BSON types FerretDB v1 does not store (it closes the connection on one): an archive from
 * MongoDB that holds one is refused before anything is written, rather than half restored.
 */
const NOT_ON_FERRETDB = new Set(["Decimal128", "MinKey", "MaxKey", "Code", "DBPointer", "BSONSymbol"]);

/** For the database this is: what, in a document, it would not store (none on MongoDB). */
async function unstoredTypeOf(db: Database): Promise<(document: Document) => string | undefined> {
  const info = await db.master.command({ buildInfo: 1 });
  if (typeof info.ferretdbVersion !== "string") return () => undefined;
  const first = (value: unknown): string | undefined => {
    if (value === null || typeof value !== "object") return undefined;
    const type = (value as { _bsontype?: unknown })._bsontype;
    if (typeof type === "string") return NOT_ON_FERRETDB.has(type) ? type : undefined;
    for (const inner of Object.values(value)) {
      const found = first(inner);
      if (found) return found;
    }
    return undefined;
  };
  return first;
}

/** The largest document the server stores (BSON's own limit). */
const BSON_MAX_BYTES = 16 * 1024 * 1024;

function parseDocument(text: string, line: number): Document {
  let document: unknown;
  try {
    document = BSON.EJSON.parse(text, { relaxed: false });
  } catch (error) {
    throw invalidArchive(`documents.ndjson line ${line} is not Extended JSON`, { cause: error });
  }
  if (typeof document !== "object" || document === null || Array.isArray(document) || !("_id" in document)) {
    throw invalidArchive(`documents.ndjson line ${line} is not a document with an _id`);
  }
  if (BSON.calculateObjectSize(document as Document) > BSON_MAX_BYTES) {
    throw invalidArchive(`documents.ndjson line ${line} is larger than a document may be`);
  }
  return document as Document;
}

/** The documents inserted per batch. */
const RESTORE_BATCH_DOCUMENTS = 1_000;

async function restore(
  db: Database,
  archive: OpenedArchive,
  plan: Plan,
  by: Restorer,
  lease: Lease,
): Promise<{ readonly restored: RestoredOrganization; readonly members: readonly AddedMember[] }> {
  const { organization, manifest } = plan;
  const now = nowOf(by.context);
  const change = await beginChange(
    db,
    by.actor ? platformEventActor(by.actor) : { type: "system" },
    [
      {
        type: "organization.restored",
        organizationId: organization._id,
        data: {
          name: organization.name,
          slug: organization.slug,
          original_id: plan.originalId,
          exported_at: manifest.exported_at,
          documents: manifest.counts.documents,
        },
        proof: { kind: "marked", collection: "organizations", id: organization._id },
      },
    ],
    now,
  );
  try {
    await db.organizations.insertOne(organization);
  } catch (error) {
    await change.abandon(db);
    if (!isDuplicateKeyError(error)) throw error;
    if (await db.organizations.findOne({ slug: organization.slug }, { projection: { _id: 1 } })) {
      throw nameTaken(organization.name);
    }
    throw new ConflictError("This organization is being restored already.", "archive");
  }
  let collectionCreated = false;
  try {
    await indexNames(db, organization._id, { name: organization.name, slug: organization.slug });
    await checkpoint("restore", 1);
    const members = await addMembers(db, plan, now);
    await checkpoint("restore", 2);
    await lease.assertHeld();
    await createTenantCollection(organization);
    collectionCreated = true;
    const collection = await tenantCollectionAt(organization);
    for (const { key, name, unique, sparse } of plan.indexes) {
      // One index per command, as moves do (cells/copy.ts).
      await collection.createIndex(key, { name, ...(unique && { unique: true }), ...(sparse && { sparse: true }) });
    }
    await insertDocuments(archive, collection, lease, by.context?.deadline);
    await checkpoint("restore", 3);
    await verify(collection, plan);
    await checkpoint("restore", 4);
    await lease.assertHeld();
    const firstOwner = members.find((member) => member.role === "owner")!;
    const { modifiedCount } = await db.organizations.updateOne(
      { _id: organization._id, "pending.started_at": organization.pending!.started_at },
      { $unset: { pending: "" }, $set: { admin_id: firstOwner.user, ...change.mark("organization.restored") } },
    );
    if (modifiedCount === 0) throw new Error("The restore's record changed while it ran.");
    await change.commit(db);
    await recordAudit(
      db,
      {
        action: "organization.restored",
        organizationId: organization._id,
        ...(by.actor && { clientId: by.actor.clientId }),
        details: { original_id: plan.originalId, documents: String(manifest.counts.documents) },
      },
      by.context,
    );
    const restored: RestoredOrganization = {
      id: organization._id.toHexString(),
      name: organization.name,
      slug: organization.slug,
      originalId: plan.originalId,
      documents: manifest.counts.documents,
      indexes: plan.indexes.length,
      members: members.map(({ email, role, created }) => ({ email, role, account: created ? "new" : "existing" })),
      signed: plan.trusted,
    };
    return { restored, members };
  } catch (error) {
    // A collection of its name that was there already is not this restore's to drop.
    await rollBackCreate(db, organization, collectionCreated ? "dropped" : "kept");
    await change.abandon(db);
    throw error;
  }
}

interface AddedMember {
  readonly email: string;
  readonly role: (typeof ROLES)[number];
  readonly user: ObjectId;
  readonly created: boolean;
}

/**
 * Each member's membership, with the account of their email where one exists; otherwise a new
 * account whose password is a random secret nobody is told (one hash for all of them: the
 * accounts are opened by the mailed link that sets a password, welcomeNewMembers).
 */
async function addMembers(db: Database, plan: Plan, now: Date): Promise<AddedMember[]> {
  let unusable: Promise<string> | undefined;
  const added: AddedMember[] = [];
  for (const [index, member] of plan.members.entries()) {
    let user: Pick<UserDocument, "_id" | "email" | "credentials_version"> | null = member.user
      ? await db.users.findOne({ _id: member.user }, { projection: { email: 1, credentials_version: 1 } })
      : null;
    let created = false;
    if (!user) {
      unusable ??= hashPassword(randomBytes(32).toString("base64url"));
      const isFirstOwner = plan.members.findIndex((other) => other.role === "owner") === index;
      const account: UserDocument = {
        _id: isFirstOwner && !member.user ? plan.organization.admin_id : new ObjectId(),
        email: member.email,
        password_hash: await unusable,
        email_verified: false,
        credentials_version: 1,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.users.insertOne(account);
        user = account;
        created = true;
      } catch (error) {
        // Signed up meanwhile (or deleted since the plan): the account the email has now.
        if (!isDuplicateKeyError(error)) throw error;
        const taken = await db.users.findOne(
          { email: member.email },
          { projection: { email: 1, credentials_version: 1, email_verified: 1 } },
        );
        if (!taken) throw error;
        if (taken.email_verified !== true) throw unprovenAccounts([member.email]);
        user = taken;
      }
    }
    try {
      await db.memberships.insertOne(newMembership(plan.organization._id, user, member.role, member.joined_at));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    added.push({ email: member.email, role: member.role, user: user._id, created });
  }
  return added;
}

async function insertDocuments(
  archive: OpenedArchive,
  collection: Collection,
  lease: Lease,
  deadline: number | undefined,
): Promise<void> {
  let batch: Document[] = [];
  let inserted = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // The verification still to come reads every document again: stop while it and the undo fit.
    if (deadline !== undefined && Date.now() > deadline) throw tooLongToRestore(inserted);
    inserted += batch.length;
    // Not this restore's any more (taken over as stale, undone): no document goes where it may be another's.
    await lease.assertHeld();
    try {
      await collection.insertMany(batch, { ordered: false });
    } catch (error) {
      if (isDuplicateKeyError(error) || everyWriteError(error, isDuplicateKeyError)) {
        throw invalidArchive("documents.ndjson holds two documents with the same _id", { cause: error });
      }
      // Refused one by one (a value this server does not store, and duplicates with them): the archive's failure.
      if (everyWriteError(error, () => true)) {
        throw invalidArchive("documents.ndjson holds a document this database does not store", { cause: error });
      }
      throw error;
    }
    batch = [];
  };
  let line = 0;
  for await (const text of archive.lines("documents.ndjson")) {
    batch.push(parseDocument(text, ++line));
    if (batch.length >= RESTORE_BATCH_DOCUMENTS) await flush();
  }
  await flush();
}

function tooLongToRestore(inserted: number): TooLargeError {
  return new TooLargeError(
    `The archive is too large to restore within one request (${inserted} documents were inserted in the time it has); nothing was restored. Restore it with \`pnpm tenants restore\`.`,
  );
}

function everyWriteError(error: unknown, test: (writeError: unknown) => boolean): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors)
    ? writeErrors
    : writeErrors && typeof writeErrors === "object"
      ? Object.values(writeErrors)
      : [];
  return list.length > 0 && list.every(test);
}

/** The collection holds exactly the archive's documents, as the server stores them, and its indexes. */
async function verify(collection: Collection, plan: Plan): Promise<void> {
  const [digest, indexes] = await Promise.all([digestOf(collection), indexesOf(collection)]);
  if (digest.count !== plan.manifest.counts.documents || digest.hash !== plan.manifest.documents_hash) {
    throw invalidArchive(
      "the restored documents differ from the archive's (their count or hash); nothing was restored",
    );
  }
  if (!sameIndexes(indexes, plan.indexes)) {
    throw invalidArchive("the restored indexes differ from the archive's; nothing was restored");
  }
}

/** Accounts the restore made get the link that sets their first password (best effort: "Forgot your password?" works too). */
async function welcomeNewMembers(
  db: Database,
  organizationName: string,
  members: readonly AddedMember[],
  context: RequestContext & { readonly now: Date },
): Promise<void> {
  const { now } = context;
  for (const member of members) {
    if (!member.created) continue;
    try {
      const { token, expiresAt } = await issueAccountToken(db, {
        purpose: "password_reset",
        userId: member.user,
        email: member.email,
        ttlSeconds: config().accounts.emailLinkTtlSeconds,
        now,
      });
      await sendBestEffort(
        restoredAccountMail({
          to: member.email,
          organizationName,
          link: appLink("reset", token),
          expiresAt,
        }),
        context,
      );
    } catch {
      // The organization is restored either way; the member asks for a reset link themselves.
    }
  }
}
