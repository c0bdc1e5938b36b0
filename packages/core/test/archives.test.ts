import { Readable } from "node:stream";
import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from "mongodb";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  checkInvariants,
  ConflictError,
  createIndex,
  createOrganization,
  deleteOrganization,
  getOwnExport,
  insertDocument,
  moveTenant,
  onExportRequested,
  openArchive,
  QuotaExceededError,
  reconcile,
  removeTemporaryArchives,
  resetConfig,
  restoreOrganization,
  startOwnExport,
  ValidationError,
  writeArchive,
  type Actor,
} from "../src";
import { archiveStore } from "../src/archives/store";
import { placementOf, tenantCollectionAt } from "../src/cells/placement";
import { newMembership } from "../src/members/membership";
import { clearFaults, database, injectFault, sentMail, twoCellsOn, useIsolatedDatabases } from "../src/testing";
import { collector, edited } from "./support/archives";
import { type Backend, backendOf } from "./support/backend";

/**
 * Export and restore of one organization (archives/): the round trip keeps every document byte
 * for byte (every BSON type, `_id`s of every type), every index, member, role and the metadata; a
 * forged, altered or over-limit archive is refused with nothing left; a restore stopped after any
 * step is undone by the reconciler; an export runs alone per organization; and writes and a move
 * during an export still give an archive that verifies, with what the docblock of writeArchive says.
 */

let databases: ReturnType<typeof useIsolatedDatabases>;
beforeAll(() => {
  const uri = inject("mongodbUri");
  databases = useIsolatedDatabases(uri, { cells: twoCellsOn(uri) });
  process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
  resetConfig();
});
afterAll(async () => {
  await databases?.drop();
  await removeTemporaryArchives();
  delete process.env.TENANT_MOVE_DRAIN_SECONDS;
  resetConfig();
});
afterEach(() => clearFaults());

let sequence = 0;
async function newOrganization(prefix = "Archive Org") {
  const n = ++sequence;
  const organization = await createOrganization({
    organizationName: `${prefix} ${n}`,
    email: `owner${n}@archives.example`,
    password: "password-123",
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner };
}

async function collectionOf(organizationId: string) {
  const db = await database();
  const record = (await db.organizations.findOne({ _id: new ObjectId(organizationId) }))!;
  return tenantCollectionAt(record, placementOf(record));
}

/** Every document as the server holds its bytes, in `_id` order. */
async function storedBytes(organizationId: string): Promise<string[]> {
  const collection = await collectionOf(organizationId);
  const raw = await collection.find({}, { raw: true }).sort({ _id: 1 }).toArray();
  return (raw as unknown as Buffer[]).map((bytes) => Buffer.from(bytes).toString("base64")).sort();
}

async function archiveOf(organizationId: string, options: Partial<Parameters<typeof writeArchive>[3]> = {}) {
  const sink = collector();
  const written = await writeArchive(await database(), new ObjectId(organizationId), sink.stream, {
    includePrivateMetadata: true,
    ...options,
  });
  return { ...written, archive: sink.bytes() };
}

const opened = (archive: Buffer) => openArchive(Readable.from([archive]), { maxBytes: 64 * 1024 * 1024 });

async function restored(archive: Buffer, options: { organizationName?: string } = {}) {
  const handle = await opened(archive);
  try {
    // As the API restores: trusting only what this service signed.
    return await restoreOrganization(handle, options, { trust: "signed-archives" });
  } finally {
    await handle.close();
  }
}

/**
 * One document per BSON type the server stores, under an `_id` of a different type each. FerretDB
 * v1 stores no decimal, minKey or maxKey (docs/database.md, "What FerretDB does and does not do for the service"): those are
 * on MongoDB only.
 */
function everyType(backend: Backend): Document[] {
  const mongodbOnly = backend === "mongodb";
  return [
    { _id: "string-id", double: new Double(1.5), int: new Int32(7), long: Long.fromString("9007199254740993") },
    {
      _id: new Int32(42),
      negativeZero: new Double(-0),
      ...(mongodbOnly && { decimal: Decimal128.fromString("1234.5678") }),
    },
    { _id: new Double(2.5), binary: new Binary(Buffer.from([0, 1, 2, 255])), uuid: new UUID() },
    { _id: Long.fromNumber(9_000_000_000), date: new Date("2026-01-02T03:04:05.678Z"), nil: null },
    { _id: new ObjectId(), timestamp: new Timestamp({ t: 1_700_000_000, i: 3 }), regex: new BSONRegExp("^a.c$", "i") },
    { _id: { compound: "key", n: new Int32(1) }, nested: { deep: [new Int32(1), "two", { three: new Double(3) }] } },
    { _id: new Date("2020-05-05T00:00:00Z"), bool: true, ...(mongodbOnly && { min: new MinKey(), max: new MaxKey() }) },
    { _id: new Binary(Buffer.from("bin-id")), unicode: "ünïcödé ✓ 𝄞", empty: {}, list: [] },
  ];
}

describe("the round trip", () => {
  it("gives back every document byte for byte, every index, member, role and the metadata", async () => {
    const { organization, owner } = await newOrganization();
    const db = await database();
    const organizationId = new ObjectId(organization.id);
    // A second member (an admin) and metadata, as the API would have made them.
    const admin = { _id: new ObjectId(), email: `admin${sequence}@archives.example`, credentials_version: 1 };
    await db.users.insertOne({ ...admin, password_hash: "x", created_at: new Date(), updated_at: new Date() });
    await db.memberships.insertOne(newMembership(organizationId, admin, "admin"));
    await db.organizations.updateOne(
      { _id: organizationId },
      { $set: { public_metadata: { plan: "pro" }, private_metadata: { crm: "A-17" } } },
    );
    for (let i = 0; i < 30; i++) await insertDocument(owner, { _id: `doc-${i}`, i, tag: i % 3 });
    await (await collectionOf(organization.id)).insertMany(everyType(await backendOf((await database()).master)));
    await createIndex(owner, { keys: { tag: 1, i: -1 } });
    await createIndex(owner, { keys: { i: 1 }, unique: true });
    const before = await storedBytes(organization.id);
    const indexesBefore = await (await collectionOf(organization.id)).listIndexes().toArray();

    const { manifest, archive } = await archiveOf(organization.id, { batchDocuments: 7 });
    expect(manifest.counts).toMatchObject({ documents: 38, indexes: 2, members: 2 });
    await deleteOrganization(owner, organization.name);
    expect(await db.users.countDocuments({ _id: { $in: [admin._id, new ObjectId(organization.adminId)] } })).toBe(0);

    const result = await restored(archive);
    // The original id was free again: the organization is back under it.
    expect(result).toMatchObject({ id: organization.id, originalId: organization.id, documents: 38, indexes: 2 });
    expect(await storedBytes(organization.id)).toEqual(before);
    const indexesAfter = await (await collectionOf(organization.id)).listIndexes().toArray();
    expect(indexesAfter.map(({ name, key, unique }) => ({ name, key, unique }))).toEqual(
      indexesBefore.map(({ name, key, unique }) => ({ name, key, unique })),
    );
    const record = (await db.organizations.findOne({ _id: organizationId }))!;
    expect(record).toMatchObject({
      name: organization.name,
      public_metadata: { plan: "pro" },
      private_metadata: { crm: "A-17" },
    });
    expect(record.pending).toBeUndefined();
    const members = await db.memberships.find({ organization_id: organizationId }).sort({ email: 1 }).toArray();
    expect(members.map(({ email, role }) => ({ email, role }))).toEqual([
      { email: admin.email, role: "admin" },
      { email: `owner${sequence}@archives.example`, role: "owner" },
    ]);
    // Their accounts were gone with the organization: new ones, opened by a mailed link.
    for (const email of [admin.email, `owner${sequence}@archives.example`]) {
      expect(sentMail().some((mail) => mail.to === email && /Set your .* password/.test(mail.subject))).toBe(true);
    }
    expect(await checkInvariants()).toEqual([]);
  });

  it("restores beside the original under a new id and name, keeping existing accounts whose address is proven", async () => {
    const { organization, owner } = await newOrganization();
    await insertDocument(owner, { _id: "only", value: 1 });
    const { archive } = await archiveOf(organization.id);
    await expect(restored(archive)).rejects.toThrow(/already exists/);
    // The owner's account has an unverified address: anyone could have signed up with it.
    await expect(restored(archive, { organizationName: `${organization.name} copy` })).rejects.toThrow(
      /accounts whose email is not verified/,
    );
    const db = await database();
    await db.users.updateOne({ _id: new ObjectId(organization.adminId) }, { $set: { email_verified: true } });
    const copy = await restored(archive, { organizationName: `${organization.name} copy` });
    expect(copy.id).not.toBe(organization.id);
    expect(copy.members).toEqual([{ email: `owner${sequence}@archives.example`, role: "owner", account: "existing" }]);
    expect(await storedBytes(copy.id)).toEqual(await storedBytes(organization.id));
    expect(await checkInvariants()).toEqual([]);
  });
});

describe("what an archive is trusted with", () => {
  it("restores an archive this service did not sign (or that was altered) under a new id, without the operator's metadata", async () => {
    const { organization, owner } = await newOrganization("Unsigned");
    const db = await database();
    await db.organizations.updateOne(
      { _id: new ObjectId(organization.id) },
      { $set: { public_metadata: { plan: "free" }, private_metadata: { crm: "B-1" } } },
    );
    await insertDocument(owner, { _id: "kept", value: 1 });
    const { archive } = await archiveOf(organization.id);
    await deleteOrganization(owner, organization.name);
    // The owner's own export, edited to give themselves a better plan: every part rehashed, the signature kept.
    const forged = await edited(archive, (entries) => {
      entries.set(
        "metadata.json",
        Buffer.from(JSON.stringify({ public: { plan: "enterprise" }, private: { crm: "X" } })),
      );
    });
    const result = await restored(forged);
    expect(result).toMatchObject({ signed: false, originalId: organization.id, documents: 1 });
    expect(result.id).not.toBe(organization.id);
    const record = (await db.organizations.findOne({ _id: new ObjectId(result.id) }))!;
    expect(record.public_metadata).toBeUndefined();
    expect(record.private_metadata).toBeUndefined();
    expect(await checkInvariants()).toEqual([]);
  });
});

describe("archives refused, nothing left", () => {
  let archive: Buffer;
  let name: string;
  beforeAll(async () => {
    const { organization, owner } = await newOrganization("Refused");
    for (let i = 0; i < 5; i++) await insertDocument(owner, { _id: `doc-${i}`, i });
    ({ archive } = await archiveOf(organization.id));
    name = organization.name;
    await deleteOrganization(owner, organization.name);
  });

  async function expectNothingLeft() {
    const db = await database();
    expect(await db.organizations.countDocuments({ name })).toBe(0);
    expect(await checkInvariants()).toEqual([]);
  }

  const swap = (text: string) => (entries: Map<string, Buffer>) => {
    const lines = entries.get("documents.ndjson")!.toString("utf8").split("\n");
    lines[0] = text;
    entries.set("documents.ndjson", Buffer.from(lines.join("\n")));
  };

  it("refuses a part whose bytes are not the manifest's", async () => {
    const forged = await edited(archive, swap('{"_id":"doc-0","i":{"$numberInt":"999"}}'), { manifest: "stale" });
    await expect(restored(forged)).rejects.toThrow(/documents.ndjson is not the part its manifest names/);
    await expectNothingLeft();
  });

  it("refuses documents that are not the ones the manifest's hash names, even with every part rehashed", async () => {
    const forged = await edited(archive, swap('{"_id":"doc-0","i":{"$numberInt":"999"}}'));
    await expect(restored(forged)).rejects.toThrow(/count and hash/);
    await expectNothingLeft();
  });

  it("refuses, on FerretDB, a document of a type it does not store (from a MongoDB archive) before writing anything", async () => {
    const fromMongo = await edited(archive, swap('{"_id":"doc-0","price":{"$numberDecimal":"9.99"}}'));
    const backend = await backendOf((await database()).master);
    await expect(restored(fromMongo)).rejects.toThrow(
      backend === "mongodb"
        ? /count and hash/
        : /line 1 holds a Decimal128, which this database \(FerretDB\) does not store/,
    );
    await expectNothingLeft();
  });

  it("refuses an unknown format version, a stranger's archive, garbage and a smuggled entry", async () => {
    const future = await edited(archive, (_, manifest) => {
      manifest.format_version = 2;
    });
    await expect(restored(future)).rejects.toThrow(/format version is 2/);
    await expect(restored(Buffer.from("not an archive"))).rejects.toThrow(/not a gzip'd tar/);
    const smuggled = await edited(archive, (entries) => entries.set("../../etc/passwd", Buffer.from("x")));
    await expect(restored(smuggled)).rejects.toThrow(/which no archive has/);
    await expectNothingLeft();
  });

  it("refuses an archive past the organization's limits, and one that unpacks past the bound", async () => {
    process.env.TENANT_MAX_DOCUMENTS = "4";
    resetConfig();
    try {
      await expect(restored(archive)).rejects.toBeInstanceOf(QuotaExceededError);
    } finally {
      delete process.env.TENANT_MAX_DOCUMENTS;
      resetConfig();
    }
    await expect(openArchive(Readable.from([archive]), { maxBytes: 100 })).rejects.toThrow(/more than 100 bytes/);
    await expectNothingLeft();
  });

  it("stops a restore that would outlast its request's deadline, and undoes it", async () => {
    const handle = await opened(archive);
    try {
      await expect(
        restoreOrganization(handle, {}, { trust: "signed-archives", context: { deadline: Date.now() - 1 } }),
      ).rejects.toThrow(/too large to restore within one request/);
    } finally {
      await handle.close();
    }
    await expectNothingLeft();
  });

  it("refuses members without an owner, and malformed Extended JSON", async () => {
    const ownerless = await edited(archive, (entries) => {
      const members = JSON.parse(entries.get("members.json")!.toString()) as { role: string }[];
      entries.set(
        "members.json",
        Buffer.from(JSON.stringify(members.map((member) => ({ ...member, role: "member" })))),
      );
    });
    await expect(restored(ownerless)).rejects.toThrow(/names no owner/);
    const broken = await edited(archive, swap('{"_id":{"$oid":"nope"}}'));
    await expect(restored(broken)).rejects.toBeInstanceOf(ValidationError);
    await expectNothingLeft();
  });
});

describe("a restore stopped after each step", () => {
  it.each([1, 2, 3, 4])("after step %i: undone by the reconciler, and restorable again", async (step) => {
    const { organization, owner } = await newOrganization("Crashed");
    for (let i = 0; i < 12; i++) await insertDocument(owner, { _id: `doc-${i}`, i });
    await createIndex(owner, { keys: { i: 1 } });
    const { archive } = await archiveOf(organization.id);
    await deleteOrganization(owner, organization.name);
    const db = await database();
    const usersBefore = await db.users.countDocuments();

    const { reached } = injectFault("restore", step, "crash");
    // Opened here: a restore stopped for good never removes what it unpacked; the test does.
    const handle = await opened(archive);
    void restoreOrganization(handle, {}, { trust: "signed-archives" });
    await reached;
    // Not visible while it is under way.
    expect(await db.organizations.countDocuments({ name: organization.name, pending: { $exists: false } })).toBe(0);
    // The lock of a process that died ages past the grace period; a restore still running is left alone.
    await reconcile({ graceSeconds: 0 });
    expect(await db.organizations.countDocuments({ _id: new ObjectId(organization.id) })).toBe(0);
    expect(await db.memberships.countDocuments({ organization_id: new ObjectId(organization.id) })).toBe(0);
    expect(await db.users.countDocuments()).toBe(usersBefore);
    const cellDatabases = await (await collectionOf(organization.id).catch(() => undefined))?.countDocuments();
    expect(cellDatabases ?? 0).toBe(0);
    expect(await checkInvariants()).toEqual([]);
    await handle.close();

    const again = await restored(archive);
    expect(again.documents).toBe(12);
  });
});

describe("exports", () => {
  it("runs one export per organization at a time, and reports it completed with a download", async () => {
    const { owner } = await newOrganization("Exported");
    for (let i = 0; i < 3; i++) await insertDocument(owner, { _id: `doc-${i}`, i });
    const results = await Promise.allSettled([startOwnExport(owner), startOwnExport(owner)]);
    const started = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result) => result.status === "rejected");
    expect(started).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const id = (started[0] as PromiseFulfilledResult<{ id: string }>).value.id;
    let status = await getOwnExport(owner, id);
    for (let i = 0; i < 100 && status.state === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await getOwnExport(owner, id);
    }
    expect(status).toMatchObject({ state: "completed", documentsExported: 3 });
    expect(status.download?.url).toMatch(/\/local\/archives\/download\?token=/);
    const key = (await (await database()).exports.findOne({ _id: new ObjectId(id) }))!.archive!.key;
    const handle = await openArchive(await (await archiveStore()).reader(key), { maxBytes: 1 << 26 });
    expect(handle.manifest.counts.documents).toBe(3);
    expect(handle.manifest.private_metadata).toBe(false);
    await handle.close();
    // Over now: the next may start.
    await expect(startOwnExport(owner)).resolves.toMatchObject({ state: "running" });
  });

  it("fails an export whose worker never ran or died, frees the organization, and finishes one that died after it was decided", async () => {
    const { organization, owner } = await newOrganization("Interrupted");
    await insertDocument(owner, { _id: "one", value: 1 });
    const db = await database();
    // Started, but no worker ever takes it (its function could not run): the reconciler fails it.
    onExportRequested(async () => undefined);
    const lost = await startOwnExport(owner).finally(() => onExportRequested(undefined));
    await expect(startOwnExport(owner)).rejects.toBeInstanceOf(ConflictError);
    await reconcile({ graceSeconds: 0 });
    expect(await getOwnExport(owner, lost.id)).toMatchObject({
      state: "failed",
      failure: "The export was interrupted; start another.",
    });

    // Decided completed, then its process died before the record said so: the reconciler applies it, with its event.
    const { reached } = injectFault("export", 1, "crash");
    const decided = await startOwnExport(owner);
    await reached;
    expect((await getOwnExport(owner, decided.id)).state).toBe("running");
    await reconcile({ graceSeconds: 0 });
    expect((await getOwnExport(owner, decided.id)).state).toBe("completed");
    const completed = await db.events
      .find({ organization_id: new ObjectId(organization.id), type: "export.completed" })
      .toArray();
    expect(completed.map((event) => event.data.export_id)).toEqual([decided.id]);
    expect(await db.exportLocks.countDocuments({ _id: new ObjectId(organization.id) })).toBe(0);
    expect(await checkInvariants()).toEqual([]);
  });

  it("gives an archive that verifies while documents are written, each as one version it had (on PostgreSQL: as the export began)", async () => {
    const { organization, owner } = await newOrganization("Written");
    for (let i = 0; i < 20; i++) await insertDocument(owner, { _id: `doc-${String(i).padStart(2, "0")}`, v: 1 });
    // Any `_id`s, as a driver writing directly may use.
    const collection = (await collectionOf(organization.id)) as unknown as import("mongodb").Collection<{
      _id: string;
      v: number;
    }>;
    let batches = 0;
    const { archive } = await archiveOf(organization.id, {
      batchDocuments: 5,
      afterBatch: async () => {
        batches++;
        if (batches !== 1) return;
        // Behind the cursor, ahead of it, and new at both ends.
        await collection.updateOne({ _id: "doc-00" }, { $set: { v: 2 } });
        await collection.updateOne({ _id: "doc-15" }, { $set: { v: 2 } });
        await collection.deleteOne({ _id: "doc-16" });
        await collection.insertOne({ _id: "doc-99", v: 1 });
        await collection.insertOne({ _id: "a-first", v: 1 });
      },
    });
    const handle = await opened(archive);
    const ids: string[] = [];
    const versions = new Map<string, number>();
    for await (const line of handle.lines("documents.ndjson")) {
      const document = JSON.parse(line) as { _id: string; v: { $numberInt: string } };
      ids.push(document._id);
      versions.set(document._id, Number(document.v.$numberInt));
    }
    await handle.close();
    // FerretDB over PostgreSQL reads the collection as one statement: the archive is the collection as the export began.
    if ((await backendOf((await database()).master)) === "ferretdb-postgres") {
      expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `doc-${String(i).padStart(2, "0")}`));
      expect([versions.get("doc-00"), versions.get("doc-15")]).toEqual([1, 1]);
    }
    // Each document once, as one version it had; untouched ones as they are.
    expect(new Set(ids).size).toBe(ids.length);
    expect([1, 2]).toContain(versions.get("doc-00"));
    expect([1, 2]).toContain(versions.get("doc-15"));
    for (let i = 1; i < 15; i++) expect(versions.get(`doc-${String(i).padStart(2, "0")}`)).toBe(1);
    for (const id of ["doc-17", "doc-18", "doc-19"]) expect(versions.get(id)).toBe(1);
    expect(batches).toBeGreaterThan(1);
  });

  it("follows a tenant that moves to another cell while it is exported", async () => {
    const { organization, owner } = await newOrganization("Moving");
    for (let i = 0; i < 25; i++) await insertDocument(owner, { _id: `doc-${String(i).padStart(2, "0")}`, i });
    const before = await storedBytes(organization.id);
    const db = await database();
    const from = placementOf((await db.organizations.findOne({ _id: new ObjectId(organization.id) }))!).cell;
    const to = from === "cell-a" ? "cell-b" : "cell-a";
    let moved = false;
    const { manifest, archive } = await archiveOf(organization.id, {
      batchDocuments: 10,
      afterBatch: async () => {
        if (moved) return;
        moved = true;
        await moveTenant({ organizationName: organization.name, toCell: to }, { waitForDrain: true });
      },
    });
    expect(placementOf((await db.organizations.findOne({ _id: new ObjectId(organization.id) }))!).cell).toBe(to);
    expect(manifest.counts.documents).toBe(25);
    await deleteOrganization(owner, organization.name);
    await restored(archive);
    expect(await storedBytes(organization.id)).toEqual(before);
  });
});
