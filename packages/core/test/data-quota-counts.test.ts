import { afterAll, afterEach, expect, inject, it, vi } from "vitest";
import {
  createOrganization,
  getTenantCollection,
  insertDocument,
  QuotaExceededError,
  resetConfig,
  type Actor,
} from "../src";
import { database, useIsolatedDatabases } from "../src/testing";

// The driver's command monitoring, switched on through the connection string.
const databases = useIsolatedDatabases(`${inject("mongodbUri")}?monitorCommands=true`);
afterAll(() => databases.drop());
afterEach(() => {
  vi.useRealTimers();
  delete process.env.TENANT_MAX_DOCUMENTS;
  resetConfig();
});

let sequence = 0;
async function owner(): Promise<Actor> {
  const n = `${Date.now().toString(36)}${++sequence}`;
  const organization = await createOrganization({
    organizationName: `Quota Counts ${n}`,
    email: `quota.${n}@data.example`,
    password: "password-123",
  });
  return { userId: organization.adminId, organizationId: organization.id, role: "owner" };
}

/** The commands that count a collection (countDocuments is an aggregate; collStats reads it too). */
async function countingCommandsDuring(run: () => Promise<unknown>): Promise<number> {
  const db = await database();
  let counting = 0;
  const record = (event: { commandName: string }) => {
    if (["aggregate", "count", "collStats"].includes(event.commandName)) counting++;
  };
  db.client.on("commandStarted", record);
  try {
    await run();
  } finally {
    db.client.off("commandStarted", record);
  }
  return counting;
}

it("far from its quotas, a tenant's inserts reuse a recent count instead of counting the collection each time", async () => {
  const actor = await owner();
  expect(await countingCommandsDuring(() => insertDocument(actor, { n: 1 }))).toBeGreaterThan(0);
  expect(await countingCommandsDuring(() => insertDocument(actor, { n: 2 }))).toBe(0);
});

it("when a reused count expires, a burst of concurrent inserts waits for one new count instead of starting one each", async () => {
  const actor = await owner();
  await insertDocument(actor, { n: 0 });
  // Past the reuse window (only the clock moves: the driver's timers are left alone): what one count takes.
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
  const oneCount = await countingCommandsDuring(() => insertDocument(actor, { n: -1 }));
  expect(oneCount).toBeGreaterThan(0);
  vi.setSystemTime(Date.now() + 60_000);
  const burst = await countingCommandsDuring(() =>
    Promise.all(Array.from({ length: 16 }, (_, n) => insertDocument(actor, { n: n + 1 }))),
  );
  expect(burst).toBe(oneCount);
});

it("a burst that joins a count finding the tenant near a quota after all counts each write afresh", async () => {
  process.env.TENANT_MAX_DOCUMENTS = "1000";
  resetConfig();
  const actor = await owner();
  await insertDocument(actor, { n: 0 });
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
  const oneCount = await countingCommandsDuring(() => insertDocument(actor, { n: -1 }));
  // Written meanwhile by other containers: the last count (2 documents, far from 1,000) no longer tells.
  const { collectionName } = await getTenantCollection(actor);
  await (await database()).tenants
    .collection<{ _id: string; n: number }>(collectionName)
    .insertMany(Array.from({ length: 850 }, (_, n) => ({ _id: `other-${n}`, n })));
  vi.setSystemTime(Date.now() + 60_000);
  const burst = await countingCommandsDuring(() =>
    Promise.all(Array.from({ length: 16 }, (_, n) => insertDocument(actor, { n: n + 1 }))),
  );
  expect(burst).toBe(16 * oneCount);
});

it("near a quota (less headroom than a throttled burst could use), every insert counts afresh, and the quota holds exactly", async () => {
  process.env.TENANT_MAX_DOCUMENTS = "3";
  resetConfig();
  const actor = await owner();
  for (let n = 0; n < 3; n++) {
    expect(await countingCommandsDuring(() => insertDocument(actor, { n }))).toBeGreaterThan(0);
  }
  await expect(insertDocument(actor, { n: 3 })).rejects.toBeInstanceOf(QuotaExceededError);
});
