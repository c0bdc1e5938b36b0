import { checkInvariants, createOrganization, resetConfig } from "@org-service/core";
import { database, twoCellsOn, useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, expect, inject, it } from "vitest";
import { budgetFor, handler } from "../src/jobs/move-tenant";
import { lambdaContext } from "../src/http/lambda-context";

/** Two cells on the one test server, each its own pool database; creates land in cell-a (most room). */
const uri = inject("mongodbUri");
process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
const databases = useIsolatedDatabases(uri, { cells: twoCellsOn(uri) });
afterAll(async () => {
  await databases.drop();
  delete process.env.TENANT_MOVE_DRAIN_SECONDS;
});

const invoke = (event: unknown) => handler(event, lambdaContext("move-tenant", "test", 60_000));

it("moves a tenant with its documents to another cell and tier, and answers the finished move", async () => {
  await createOrganization({ organizationName: "Mover Co", email: "mover@example.com", password: "password-123" });
  const db = await database();
  const before = (await db.organizations.findOne({ name: "Mover Co" }))!;
  expect(before.placement).toMatchObject({ cell: "cell-a", tier: "pool" });
  const source = db.client.db(before.placement!.database).collection(before.collection_name);
  await source.insertMany(Array.from({ length: 25 }, (_, n) => ({ _id: `doc-${n}` as never, n })));

  expect(await invoke({ organization_name: "Mover Co", to: "cell-b", tier: "silo" })).toEqual({
    ok: true,
    finished: true,
    organization_id: before._id.toHexString(),
    organization_name: "Mover Co",
    from: { cell: "cell-a", tier: "pool" },
    to: { cell: "cell-b", tier: "silo" },
    step: "done",
    copied: 25,
  });
  const after = (await db.organizations.findOne({ _id: before._id }))!;
  expect(after.placement).toMatchObject({ cell: "cell-b", tier: "silo" });
  expect(after.move).toBeUndefined();
  expect(await db.client.db(after.placement!.database).collection(after.collection_name).countDocuments()).toBe(25);
  expect(await source.countDocuments()).toBe(0);
  expect(await checkInvariants()).toEqual([]);
});

it("answers a bad event and an unknown organization with the API's problems, without failing the invocation", async () => {
  const bad = await invoke({ organization_name: "Mover Co", tier: "gold" });
  expect(bad).toMatchObject({
    ok: false,
    problem: { type: "urn:org-service:problem:validation-failed", status: 422 },
  });
  expect((bad.ok ? [] : (bad.problem.errors ?? [])).map((issue) => issue.path)).toContain("tier");
  expect(await invoke(undefined)).toMatchObject({ ok: false, problem: { status: 422 } });
  expect(await invoke({ organization_name: "Mover Co", action: "undo", to: "cell-a" })).toMatchObject({
    ok: false,
    problem: { status: 422 },
  });

  expect(await invoke({ organization_name: "Nobody Co", to: "cell-b" })).toEqual({
    ok: false,
    problem: {
      type: "urn:org-service:problem:not-found",
      title: "Not Found",
      status: 404,
      detail: 'No organization is named "Nobody Co".',
    },
  });
  expect(await invoke({ organization_name: "Mover Co", action: "continue" })).toMatchObject({
    ok: false,
    problem: { status: 404, detail: '"Mover Co" is not moving.' },
  });
});

it("works until a safety margin before the invocation's time runs out", () => {
  expect(budgetFor({ getRemainingTimeInMillis: () => 900_000 })).toBe(840_000);
  expect(budgetFor({ getRemainingTimeInMillis: () => 20_000 })).toBe(15_000);
  expect(budgetFor({ getRemainingTimeInMillis: () => 100 })).toBe(1_000);
});

it("answers finished: false when the invocation's time runs out, and a continue invocation finishes the move", async () => {
  await createOrganization({ organizationName: "Slow Co", email: "slow@example.com", password: "password-123" });
  const db = await database();
  const record = (await db.organizations.findOne({ name: "Slow Co" }))!;
  await db.client
    .db(record.placement!.database)
    .collection(record.collection_name)
    .insertMany(Array.from({ length: 10 }, (_, n) => ({ n })));
  // A drain period longer than the invocation: it copies, then has to leave the rest to a later one.
  process.env.TENANT_MOVE_DRAIN_SECONDS = "600";
  resetConfig();
  const short = await handler(
    { organization_name: "Slow Co", to: "cell-b" },
    lambdaContext("move-tenant", "test", 4_000),
  );
  expect(short).toMatchObject({ ok: true, finished: false, step: "documents-copied", copied: 10 });

  process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
  resetConfig();
  expect(await invoke({ organization_name: "Slow Co", action: "continue" })).toMatchObject({
    ok: true,
    finished: true,
    step: "done",
    to: { cell: "cell-b", tier: "pool" },
  });
  expect(await checkInvariants()).toEqual([]);
});
