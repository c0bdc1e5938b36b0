import { Double, ObjectId } from "mongodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { type EmbeddedDatabaseGroup, startEmbeddedDatabases } from "../../embedded-db/src/index";
import {
  checkInvariants,
  continueMove,
  createIndex,
  createOrganization,
  deleteOrganization,
  getDocument,
  getOrganization,
  insertDocument,
  listCells,
  listDocuments,
  moveTenant,
  NoCapacityError,
  reconcile,
  resetConfig,
  TenantMovingError,
  undoMove,
  updateOrganization,
  type Actor,
} from "../src";
import { cellDatabase, cellsWithClients } from "../src/cells/clients";
import { closeDatabase } from "../src/db/client";
import { isSiloOf } from "../src/cells/placement";
import { clearFaults, database, injectFault, useIsolatedDatabases } from "../src/testing";

/**
 * Tenants placed across three cells, each a database server of its own (with MONGODB_URI set: one
 * server, the cells then apart by database name): placement by headroom, the no-capacity answer,
 * moves between cells and tiers with their documents and indexes, the fence, a crash after every
 * step of a move, and creates racing for a small budget.
 */
const CELLS = ["one", "two", "three"] as const;
type Cell = (typeof CELLS)[number];

let servers: EmbeddedDatabaseGroup;
let uris: Record<Cell, string>;
let databases: ReturnType<typeof useIsolatedDatabases>;

beforeAll(async () => {
  servers = await startEmbeddedDatabases(2, { log: () => undefined });
  const master = inject("mongodbUri");
  uris = { one: master, two: servers.servers[0]!.uri, three: servers.servers[1]!.uri };
  databases = useIsolatedDatabases(master, {
    cells: CELLS.map((name) => ({ name, uri: uris[name], maxNamespaces: 1_000_000 })),
  });
  process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
  process.env.TENANT_MOVE_BATCH_DOCUMENTS = "7";
  resetConfig();
});
afterAll(async () => {
  await databases?.drop();
  await servers?.stop();
  delete process.env.TENANT_MOVE_DRAIN_SECONDS;
  delete process.env.TENANT_MOVE_BATCH_DOCUMENTS;
});
afterEach(() => clearFaults());

/** Give each cell `free` more namespaces than it uses now. */
async function leaveFree(free: Record<Cell, number>): Promise<void> {
  const cells = JSON.parse(process.env.TENANT_CELLS!) as { name: Cell; max_namespaces: number }[];
  const usage = await listCells();
  for (const cell of cells) {
    cell.max_namespaces = usage.find((used) => used.name === cell.name)!.namespaces + free[cell.name];
  }
  process.env.TENANT_CELLS = JSON.stringify(cells);
  resetConfig();
}

async function unbudgeted(): Promise<void> {
  await leaveFree({ one: 900_000, two: 900_000, three: 900_000 });
}
beforeEach(unbudgeted);

let sequence = 0;
async function newTenant(prefix = "Cell Org") {
  const n = ++sequence;
  const organization = await createOrganization({
    organizationName: `${prefix} ${n}`,
    email: `cell${n}@cells.example`,
    password: "password-123",
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner };
}

async function placementOf(owner: Actor, name: string) {
  const found = await getOrganization(name, owner);
  return "placement" in found ? found.placement : undefined;
}

/** The pool database of a cell, as TENANT_CELLS names it. */
function poolOf(cell: string): string {
  return (JSON.parse(process.env.TENANT_CELLS!) as { name: string; database: string }[]).find(
    (listed) => listed.name === cell,
  )!.database;
}

/** Where a collection of this name is, looked up on the servers themselves: "cell/pool" or "cell/silo". */
async function whereIs(collectionName: string): Promise<string[]> {
  const found: string[] = [];
  for (const cell of CELLS) {
    const { databases: all } = await (await cellDatabase(cell, "admin")).admin().listDatabases({ nameOnly: true });
    // Cells sharing one server (MONGODB_URI set) see each other's databases: each looks at its own.
    for (const { name } of all.filter(
      (database) => database.name === poolOf(cell) || isSiloOf(poolOf(cell), database.name),
    )) {
      const collections = await (await cellDatabase(cell, name))
        .listCollections({ name: collectionName }, { nameOnly: true })
        .toArray();
      if (collections.length > 0) found.push(`${cell}/${name === poolOf(cell) ? "pool" : "silo"}`);
    }
  }
  return found;
}

/** Documents `doc-0000`… through the API, and two indexes (one unique) on them. */
async function seed(owner: Actor, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await insertDocument(owner, { _id: `doc-${String(i).padStart(4, "0")}`, i, tag: i % 3 });
  await createIndex(owner, { keys: { tag: 1, i: -1 } });
  await createIndex(owner, { keys: { i: 1 }, unique: true });
}

/**
 * A tenant with `documents` documents whose move to another cell stopped for good after `step`, as
 * if its process died there: the record, the lock and whatever was copied are left as they were.
 */
async function stalledMove(prefix: string, documents: number, step: number, tier?: "pool" | "silo") {
  const { organization, owner } = await newTenant(prefix);
  await seed(owner, documents);
  const { cell } = (await placementOf(owner, organization.name))!;
  const target = CELLS[(CELLS.indexOf(cell as Cell) + 1) % CELLS.length]!;
  const { reached } = injectFault("move", step, "crash");
  void moveTenant({ organizationName: organization.name, toCell: target, ...(tier && { tier }) });
  await reached;
  return { organization, owner, cell, target };
}

async function reconcileAndCheck() {
  await reconcile({ graceSeconds: 0 });
  expect(await checkInvariants()).toEqual([]);
}

describe("placement", () => {
  it("puts each new organization in the cell with the most free namespaces, ties to the first listed", async () => {
    await leaveFree({ one: 4, two: 6, three: 2 });
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { organization, owner } = await newTenant("Headroom");
      placed.push((await placementOf(owner, organization.name))!.cell);
    }
    // free 4/6/2 → two; 4/4/2 → one; 2/4/2 → two; 2/2/2 → one; 0/2/2 → two.
    expect(placed).toEqual(["two", "one", "two", "one", "two"]);
  });

  it("answers no-capacity when every cell is full, and writes nothing", async () => {
    await leaveFree({ one: 1, two: 0, three: 1 });
    const db = await database();
    const [organizations, users] = await Promise.all([db.organizations.countDocuments(), db.users.countDocuments()]);
    const refused = await createOrganization({
      organizationName: "No Room Org",
      email: "noroom@cells.example",
      password: "password-123",
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NoCapacityError);
    expect((refused as Error).message).toMatch(/namespace budget/);
    expect(await db.organizations.countDocuments()).toBe(organizations);
    expect(await db.users.countDocuments()).toBe(users);
    expect(await db.users.countDocuments({ email: "noroom@cells.example" })).toBe(0);
  });

  it("shows members the placement, never a connection string, and the public nothing of it", async () => {
    const { organization, owner } = await newTenant();
    const seen = await getOrganization(organization.name, owner);
    expect(seen).toMatchObject({ placement: { cell: expect.stringMatching(/^(one|two|three)$/), tier: "pool" } });
    expect(JSON.stringify(seen)).not.toMatch(/mongodb:\/\//);
    expect(await getOrganization(organization.name)).not.toHaveProperty("placement");
  });

  it("keeps the documents in the tenant's own cell, and counts its indexes there", async () => {
    await leaveFree({ one: 0, two: 0, three: 100 });
    const { organization, owner } = await newTenant();
    expect(await placementOf(owner, organization.name)).toEqual({ cell: "three", tier: "pool" });
    await insertDocument(owner, { _id: "here", v: 1 });
    expect(await whereIs(organization.collectionName)).toEqual(["three/pool"]);
    const before = (await listCells()).find((cell) => cell.name === "three")!.namespaces;
    await createIndex(owner, { keys: { v: 1 } });
    expect((await listCells()).find((cell) => cell.name === "three")!.namespaces).toBe(before + 1);
    expect(await checkInvariants()).toEqual([]);
  });

  it("sums the records afresh near a budget: what other containers placed is seen at once", async () => {
    await leaveFree({ one: 6, two: 0, three: 0 });
    await newTenant("Near The Budget");
    // Another container places a tenant meanwhile: its record is the only trace of it.
    const db = await database();
    const pool = poolOf("one");
    await db.organizations.insertOne({
      _id: new ObjectId(),
      name: "Placed Elsewhere",
      slug: `placed_elsewhere_${sequence}`,
      collection_name: `org_placed_elsewhere_${sequence}`,
      admin_id: new ObjectId(),
      created_at: new Date(),
      updated_at: new Date(),
      pending: { op: "create", started_at: new Date() },
      placement: { cell: "one", tier: "pool", database: pool, namespaces: 4 },
    });
    await expect(newTenant("One Too Many")).rejects.toBeInstanceOf(NoCapacityError);
    await reconcileAndCheck();
  });

  it("connects to a cell on its first use only, and to none a request does not touch", async () => {
    await leaveFree({ one: 0, two: 0, three: 100 });
    const { owner } = await newTenant("Lazy");
    await insertDocument(owner, { _id: "x" });
    await closeDatabase();
    expect(cellsWithClients()).toEqual([]);
    await getOrganization("anything", owner).catch(() => undefined);
    expect(cellsWithClients()).toEqual([]);
    expect(await getDocument(owner, "x")).toEqual({ _id: "x" });
    expect(cellsWithClients()).toEqual(uris.three === uris.one ? [] : ["three"]);
  });

  it("lets creates racing for a small budget pass it by at most one tenant per create beside the last that fitted", async () => {
    await leaveFree({ one: 4, two: 0, three: 0 });
    const racers = 6;
    const outcomes = await Promise.allSettled(
      Array.from({ length: racers }, (_, i) =>
        createOrganization({
          organizationName: `Racer ${sequence}-${i}`,
          email: `racer${sequence}.${i}@cells.example`,
          password: "password-123",
        }),
      ),
    );
    const created = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    const refused = outcomes.filter(
      (outcome) => outcome.status === "rejected" && outcome.reason instanceof NoCapacityError,
    ).length;
    expect(created + refused).toBe(racers);
    // Two fit. The two earliest to read the usage saw room, whatever the rest did; every other
    // create that saw room ran beside one of those, and each takes its two namespaces.
    expect(created).toBeGreaterThanOrEqual(2);
    const cell = (await listCells()).find((listed) => listed.name === "one")!;
    expect(cell.namespaces - cell.maxNamespaces!).toBe(2 * (created - 2));
    expect(cell.namespaces - cell.maxNamespaces!).toBeLessThanOrEqual(2 * (racers - 2));
    // Once the race is over, the budget holds again.
    await expect(newTenant("After The Race")).rejects.toBeInstanceOf(NoCapacityError);
    await reconcileAndCheck();
  });
});

describe("moves", () => {
  it("moves a tenant to another cell with its documents, their types and its indexes", async () => {
    await leaveFree({ one: 100, two: 0, three: 0 });
    const { organization, owner } = await newTenant("Mover");
    await seed(owner, 20);
    const db = await cellDatabase("one", poolOf("one"));
    await db.collection(organization.collectionName).insertMany([
      { _id: new ObjectId(), kind: "objectId", x: new Double(1) },
      { _id: 7 as never, kind: "number" },
    ]);
    await unbudgeted();
    const usageBefore = await listCells();

    const status = await moveTenant({ organizationName: organization.name, toCell: "three" });
    expect(status).toMatchObject({
      step: "done",
      from: { cell: "one", tier: "pool" },
      to: { cell: "three", tier: "pool" },
    });
    expect(await placementOf(owner, organization.name)).toEqual({ cell: "three", tier: "pool" });
    expect(await whereIs(organization.collectionName)).toEqual(["three/pool"]);

    const moved = (await cellDatabase("three", poolOf("three"))).collection(organization.collectionName);
    expect(await moved.countDocuments()).toBe(22);
    const double = await moved.findOne({ kind: "objectId" }, { promoteValues: false });
    expect(double?.x).toBeInstanceOf(Double);
    expect(await moved.findOne({ _id: 7 as never })).toMatchObject({ kind: "number" });
    const indexes = (await moved.listIndexes().toArray()).map((index) => [index.name, index.unique === true]);
    expect(indexes).toEqual(
      expect.arrayContaining([
        ["tag_1_i_-1", false],
        ["i_1", true],
      ]),
    );
    // The unique index holds on the target.
    await expect(insertDocument(owner, { _id: "dup", i: 3 })).rejects.toThrow();

    // The API reads and writes the target now.
    expect(await getDocument(owner, "doc-0003")).toMatchObject({ i: 3 });
    await insertDocument(owner, { _id: "after-move", i: 1000 });
    expect(await moved.countDocuments()).toBe(23);

    // The namespaces moved with it: four (collection, _id and two indexes) from one to three.
    const usageAfter = await listCells();
    const change = (name: Cell) =>
      usageAfter.find((cell) => cell.name === name)!.namespaces -
      usageBefore.find((cell) => cell.name === name)!.namespaces;
    expect([change("one"), change("two"), change("three")]).toEqual([-4, 0, 4]);
    expect(await checkInvariants()).toEqual([]);
  });

  it("moves a tenant from the pool into a silo of its own and back, renames included", async () => {
    const { organization, owner } = await newTenant("Silo");
    await seed(owner, 10);
    const { cell } = (await placementOf(owner, organization.name))!;

    await moveTenant({ organizationName: organization.name, toCell: cell, tier: "silo" });
    expect(await placementOf(owner, organization.name)).toEqual({ cell, tier: "silo" });
    expect(await whereIs(organization.collectionName)).toEqual([`${cell}/silo`]);
    expect((await listDocuments(owner, {})).documents).toHaveLength(10);

    // A rename within the silo: its database is named by the organization's id and stays.
    const renamed = `${organization.name} Renamed`;
    const { organization: after } = await updateOrganization(owner, {
      organizationName: organization.name,
      newOrganizationName: renamed,
    });
    expect(await whereIs(after.collectionName)).toEqual([`${cell}/silo`]);
    expect((await listDocuments(owner, {})).documents).toHaveLength(10);

    await moveTenant({ organizationName: renamed, toCell: "two", tier: "pool" });
    expect(await placementOf(owner, renamed)).toEqual({ cell: "two", tier: "pool" });
    expect(await whereIs(after.collectionName)).toEqual(["two/pool"]);
    expect((await listDocuments(owner, {})).documents).toHaveLength(10);
    expect(await checkInvariants()).toEqual([]);
  });

  it("fences writes, renames and deletes while moving, keeps reads on the source, and lifts all on undo", async () => {
    const { organization, owner, cell, target } = await stalledMove("Fenced", 5, 1);

    const refused = await insertDocument(owner, { _id: "during" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TenantMovingError);
    expect((refused as TenantMovingError).retryAfterSeconds).toBeGreaterThan(0);
    await expect(createIndex(owner, { keys: { other: 1 } })).rejects.toBeInstanceOf(TenantMovingError);
    expect(await getDocument(owner, "doc-0002")).toMatchObject({ i: 2 });
    expect(
      (await listCells()).find((listed) => listed.name === target)!.tenants.map((t) => t.organizationName),
    ).toContain(organization.name);

    await reconcile({ graceSeconds: 0, moveBudgetMs: 0 }); // takes the dead mover's lock over, moves nothing
    await expect(
      updateOrganization(owner, { organizationName: organization.name, newOrganizationName: `${organization.name} X` }),
    ).rejects.toBeInstanceOf(TenantMovingError);
    await expect(deleteOrganization(owner, organization.name)).rejects.toBeInstanceOf(TenantMovingError);
    // Credentials are no part of the tenant's data: they may change meanwhile.
    await updateOrganization(owner, {
      organizationName: organization.name,
      password: "another-password-1",
      currentPassword: "password-123",
    });

    expect(await undoMove(organization.name, { graceSeconds: 0 })).toMatchObject({ step: "undone" });
    expect(await whereIs(organization.collectionName)).toEqual([`${cell}/pool`]);
    await insertDocument(owner, { _id: "after-undo", i: 99 });
    expect((await listDocuments(owner, {})).documents).toHaveLength(6);
    expect(await checkInvariants()).toEqual([]);
  });

  it("copies afresh when a write slipped past the fence after its document was copied", async () => {
    const { organization, owner, cell, target } = await stalledMove("Late Write", 15, 4);
    // A write that read the placement before the fence, landing now on the source.
    await (await cellDatabase(cell, poolOf(cell)))
      .collection(organization.collectionName)
      .updateOne({ _id: "doc-0001" as never }, { $set: { late: true } });

    await reconcileAndCheck();
    expect(await placementOf(owner, organization.name)).toEqual({ cell: target, tier: "pool" });
    expect(await getDocument(owner, "doc-0001")).toMatchObject({ late: true });
    expect((await listDocuments(owner, {})).documents).toHaveLength(15);
    const record = await (await database()).organizations.findOne({ slug: organization.slug });
    expect(record?.move).toBeUndefined();
  });

  it("copies an index that landed on the source after the indexes were copied, and counts it on the target", async () => {
    const { organization, cell, target } = await stalledMove("Late Index", 8, 4);
    // An index creation that read the placement before the fence, landing now, counted as it does.
    const db = await database();
    await (await cellDatabase(cell, poolOf(cell)))
      .collection(organization.collectionName)
      .createIndex({ late: 1 }, { name: "late_1", unique: true });
    await db.organizations.updateOne({ slug: organization.slug }, { $inc: { "placement.namespaces": 1 } });

    await reconcileAndCheck(); // the invariants compare every record's count with its indexes
    const moved = (await cellDatabase(target, poolOf(target))).collection(organization.collectionName);
    expect((await moved.listIndexes().toArray()).map((index) => index.name).sort()).toEqual([
      "_id_",
      "i_1",
      "late_1",
      "tag_1_i_-1",
    ]);
    expect((await db.organizations.findOne({ slug: organization.slug }))?.placement?.namespaces).toBe(5);
  });

  it.each([1, 2])("finishes an undo interrupted after its step %i, the source untouched", async (step) => {
    const { organization, owner, cell } = await stalledMove(`Undo Crash ${step}`, 12, 4);
    await reconcile({ graceSeconds: 0, moveBudgetMs: 0 });
    const { reached } = injectFault("move-undo", step, "crash");
    void undoMove(organization.name, { graceSeconds: 0 });
    await reached;
    await expect(insertDocument(owner, { _id: "while-undoing" })).rejects.toBeInstanceOf(TenantMovingError);

    await reconcileAndCheck();
    expect(await whereIs(organization.collectionName)).toEqual([`${cell}/pool`]);
    expect((await listDocuments(owner, { limit: 100 })).documents).toHaveLength(12);
    await insertDocument(owner, { _id: "after-undo" });
  });

  it("refuses a target that already holds a collection of the tenant's name, recording nothing", async () => {
    const { organization, owner } = await newTenant("Occupied");
    const { cell } = (await placementOf(owner, organization.name))!;
    const target = CELLS.find((other) => other !== cell)!;
    await (await cellDatabase(target, poolOf(target))).createCollection(organization.collectionName);
    await expect(moveTenant({ organizationName: organization.name, toCell: target })).rejects.toThrow(
      /already holds a collection/,
    );
    expect((await (await database()).organizations.findOne({ slug: organization.slug }))?.move).toBeUndefined();
    await (await cellDatabase(target, poolOf(target))).dropCollection(organization.collectionName);
  });

  it("places records from before cells where they always were, counting their indexes, and refuses a guess", async () => {
    const db = await database();
    const legacy = { _id: new ObjectId(), slug: `legacy_${sequence}`, collection_name: `org_legacy_${sequence}` };
    await db.tenants.createCollection(legacy.collection_name);
    await db.tenants.collection(legacy.collection_name).createIndex({ a: 1 });
    await db.organizations.insertOne({
      ...legacy,
      name: "Legacy",
      admin_id: new ObjectId(),
      created_at: new Date(),
      updated_at: new Date(),
    });
    // No cell is MONGODB_TENANT_DB on MONGODB_URI: the service refuses to start rather than guess.
    await closeDatabase();
    expect(process.env.TENANT_CELLS).toBeDefined();
    await expect(database()).rejects.toThrow(/no cell of TENANT_CELLS is that database/);
    // Without TENANT_CELLS the default cell is that database: placed there, its index counted.
    const cells = process.env.TENANT_CELLS;
    delete process.env.TENANT_CELLS;
    resetConfig();
    try {
      await closeDatabase();
      const placed = await (await database()).organizations.findOne({ _id: legacy._id });
      expect(placed?.placement).toEqual({
        cell: "default",
        tier: "pool",
        database: process.env.MONGODB_TENANT_DB,
        namespaces: 3,
      });
    } finally {
      const current = await database();
      await current.organizations.deleteOne({ _id: legacy._id });
      await current.tenants.dropCollection(legacy.collection_name);
      process.env.TENANT_CELLS = cells;
      resetConfig();
      await closeDatabase();
    }
  });

  it("refuses a move to an unknown cell, to where the tenant is, or into a full cell", async () => {
    const { organization, owner } = await newTenant("Refused Move");
    const { cell } = (await placementOf(owner, organization.name))!;
    await expect(moveTenant({ organizationName: organization.name, toCell: "nowhere" })).rejects.toThrow(/no cell/);
    await expect(moveTenant({ organizationName: organization.name, toCell: cell })).rejects.toThrow(/already/);
    const other = CELLS.find((name) => name !== cell)!;
    await leaveFree({ one: 0, two: 0, three: 0, [other]: 1 } as Record<Cell, number>);
    await expect(moveTenant({ organizationName: organization.name, toCell: other })).rejects.toBeInstanceOf(
      NoCapacityError,
    );
    await expect(continueMove(organization.name)).rejects.toThrow(/not moving/);
  });
});

describe("a move crashed after every step, then reconciled", () => {
  const STEPS = [1, 2, 3, 4, 5, 6, 7] as const;
  it.each(STEPS)("after step %i: on exactly one side, every document once, the counts right", async (step) => {
    const { organization, owner, target } = await stalledMove(
      `Crash ${step}`,
      25,
      step,
      step % 2 === 0 ? "silo" : "pool",
    );

    await reconcileAndCheck();
    const where = await whereIs(organization.collectionName);
    expect(where).toHaveLength(1);
    expect(where[0]!.startsWith(`${target}/`)).toBe(true);
    const all = (await listDocuments(owner, { limit: 100 })).documents.map((document) => document._id).sort();
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `doc-${String(i).padStart(4, "0")}`));
    const listed = (await listCells()).flatMap((listedCell) =>
      listedCell.tenants.filter((tenant) => tenant.organizationName === organization.name).map(() => listedCell.name),
    );
    expect(listed).toEqual([target]);
  });
});
