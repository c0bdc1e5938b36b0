import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ObjectId } from "mongodb";
import {
  checkInvariants,
  closeDatabase,
  createOrganization,
  deleteOrganization,
  moveTenant,
  reconcile,
} from "@org-service/core";
import { database, twoCellsOn, useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, expect, inject, it } from "vitest";
import { bundledCommand, ROOT, sourceCommand } from "./support/bundled";

/**
 * `pnpm tenants` as a user runs it: separate processes against the test database (the command
 * bundled once per run, `support/test-bundles.ts`; its help from the sources), whose tenants
 * are placed across two cells on the same server (each its own pool database). Every create lands
 * in cell-a (the most free namespaces); the moves go to cell-b.
 */
const run = promisify(execFile);
const uri = inject("mongodbUri");
// Read by this process's reconciler too: no drain period to wait out, small batches to kill between.
process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
process.env.TENANT_MOVE_BATCH_DOCUMENTS = "50";
const databases = useIsolatedDatabases(uri, { cells: twoCellsOn(uri) });
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

type Failure = { code: number; stdout: string; stderr: string };

function tenantsCommand(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return run(process.execPath, bundledCommand("tenants-command", args), { cwd: ROOT, env });
}

const failureOf = (args: string[]) =>
  tenantsCommand(args).then(
    (success) => ({ code: 0, ...success }),
    (error: Failure) => error,
  );

let serial = 0;
/** A tenant created as the API does, with `documents` documents and an index on `n`. */
async function tenantWith(name: string, documents: number): Promise<{ id: ObjectId; ids: string[] }> {
  await createOrganization({ organizationName: name, email: `owner${++serial}@example.com`, password: "password-123" });
  const db = await database();
  const organization = (await db.organizations.findOne({ name }))!;
  const collection = db.client.db(organization.placement!.database).collection(organization.collection_name);
  const seed = Array.from({ length: documents }, (_, n) => ({ n, text: `document ${n}` }));
  if (seed.length > 0) await collection.insertMany(seed);
  await collection.createIndex({ n: 1 }, { name: "n_1" });
  await db.organizations.updateOne({ _id: organization._id }, { $inc: { "placement.namespaces": 1 } });
  return { id: organization._id, ids: seed.map((document) => String((document as { _id?: unknown })._id)) };
}

/** Where the tenant is, and what is there and in the other cell. */
async function inspect(id: ObjectId) {
  const db = await database();
  const organization = (await db.organizations.findOne({ _id: id }))!;
  const cells = JSON.parse(process.env.TENANT_CELLS!) as { name: string; database: string }[];
  const collectionsIn = async (name: string) =>
    (await db.client.db(name).listCollections({ name: organization.collection_name }).toArray()).length;
  const target = db.client.db(organization.placement!.database).collection(organization.collection_name);
  return {
    organization,
    // Pool databases only (the moves here stay in the pool).
    copies: Object.fromEntries(
      await Promise.all(cells.map(async (cell) => [cell.name, await collectionsIn(cell.database)] as const)),
    ),
    count: await target.countDocuments(),
    ids: (await target.find({}, { projection: { _id: 1 } }).toArray()).map((document) => String(document._id)).sort(),
    indexes: (await target.listIndexes().toArray()).map((index) => index.name).sort(),
  };
}

it("lists both cells with their budgets and tenants, as a table and as JSON", async () => {
  await tenantWith("Listed Co", 0);
  const { stdout } = await tenantsCommand(["list"]);
  expect(stdout).toMatch(/^cell-a {2}\d+ \/ 1000 namespaces/m);
  expect(stdout).toMatch(/^cell-b {2}0 \/ 100 namespaces {2}0 tenants/m);
  expect(stdout).toMatch(/^ {2}Listed Co +pool +3 namespaces$/m);

  const listing = JSON.parse((await tenantsCommand(["list", "--json"])).stdout);
  expect(listing.map((cell: { name: string }) => cell.name)).toEqual(["cell-a", "cell-b"]);
  expect(listing[0].tenants).toContainEqual({ organizationName: "Listed Co", tier: "pool", namespaces: 3 });
});

it("moves a tenant with its documents and indexes, printing its progress, and the listing shows it in the target", async () => {
  const { id, ids } = await tenantWith("Moved Co", 120);
  const { stdout } = await tenantsCommand(["move", "Moved Co", "--to", "cell-b"]);
  const lines = stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^Moved Co: cell-a \(pool\) → cell-b \(pool\): /);
  expect(lines.at(-1)).toBe("Moved Co: cell-a (pool) → cell-b (pool): done, 120 documents copied");

  const after = await inspect(id);
  expect(after.organization.placement).toMatchObject({ cell: "cell-b", tier: "pool", namespaces: 3 });
  expect(after.copies).toEqual({ "cell-a": 0, "cell-b": 1 });
  expect(after.ids).toEqual([...ids].sort());
  expect(after.indexes).toEqual(["_id_", "n_1"]);

  const listing = JSON.parse((await tenantsCommand(["list", "--json"])).stdout);
  expect(listing[1]).toMatchObject({ name: "cell-b", namespaces: 3 });
  expect(listing[1].tenants).toEqual([{ organizationName: "Moved Co", tier: "pool", namespaces: 3 }]);
  expect(await checkInvariants()).toEqual([]);
});

it("undoes a move that stalled before its switch", async () => {
  const { id } = await tenantWith("Stalled Co", 10);
  // Fenced and recorded, then nothing more (no budget): as a process killed right after the start.
  expect(await moveTenant({ organizationName: "Stalled Co", toCell: "cell-b" }, { budgetMs: 0 })).toMatchObject({
    step: "fenced",
  });
  expect((await tenantsCommand(["list"])).stdout).toContain("moving cell-a (pool) → cell-b (pool): fenced");

  const { stdout } = await tenantsCommand(["move", "Stalled Co", "--undo"]);
  expect(stdout.trim()).toBe("Stalled Co: cell-a (pool) → cell-b (pool): undone, 0 documents copied");
  const after = await inspect(id);
  expect(after.organization.move).toBeUndefined();
  expect(after.organization.placement?.cell).toBe("cell-a");
  expect(after.count).toBe(10);
  expect(await checkInvariants()).toEqual([]);
});

it("answers usage errors with the usage and exit code 2, and --help with the usage", async () => {
  // Each a process of its own: a few that fail in different places of the parsing.
  const usages = [["shuffle"], ["list", "--bogus"], ["move", "Moved Co", "--to", "cell-a", "--tier", "gold"]];
  // The help as the script runs it, from the sources through tsx; the rest from the bundle.
  const [help, ...failures] = await Promise.all([
    run(process.execPath, sourceCommand("tenants-command", ["--help"]), { cwd: ROOT }),
    ...usages.map(failureOf),
  ]);
  for (const [i, failure] of failures.entries()) {
    expect(failure, usages[i]!.join(" ")).toMatchObject({ code: 2, stdout: "" });
    expect(failure.stderr, usages[i]!.join(" ")).toContain("Usage:");
  }
  expect(help.stdout).toContain("pnpm tenants move <organization_name> --to <cell>");
});

it("prints a refusal as one line and exits 1, without a stack", async () => {
  await tenantWith("Refused Co", 0);
  const cases: [string[], string][] = [
    [["move", "Nobody Co", "--to", "cell-b"], 'No organization is named "Nobody Co"'],
    [["move", "Refused Co", "--to", "cell-z"], 'no cell is named "cell-z"'],
    [["move", "Refused Co", "--to", "cell-a"], "already"],
    [["move", "Refused Co", "--continue"], "is not moving"],
  ];
  const failures = await Promise.all(cases.map(([args]) => failureOf(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const failure = failures[i]!;
    expect(failure, args.join(" ")).toMatchObject({ code: 1 });
    expect(failure.stderr.toLowerCase(), args.join(" ")).toContain(message.toLowerCase());
    expect(failure.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    expect(failure.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
  }
});

/** `tenants move` in one node process, so that a SIGKILL ends all of it. */
function spawnMove(organizationName: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, bundledCommand("tenants-command", ["move", organizationName, "--to", "cell-b"]), {
    cwd: ROOT,
    env,
    stdio: "ignore",
  });
}

/** SIGKILL the process as soon as the record shows `reached`; answers the move as it was then. */
async function killWhen(child: ChildProcess, id: ObjectId, reached: (move: Record<string, unknown>) => boolean) {
  const db = await database();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  for (;;) {
    const move = (await db.organizations.findOne({ _id: id }))?.move as Record<string, unknown> | undefined;
    if (move && reached(move)) {
      child.kill("SIGKILL");
      await exited;
      return move;
    }
    if (child.exitCode !== null) throw new Error(`the move ended (${child.exitCode}) before it could be killed`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The reconciler, as the scheduled function runs it, until the move is finished. */
async function reconcileUntilMoved(id: ObjectId) {
  const db = await database();
  for (let run = 0; run < 10; run++) {
    await reconcile({ graceSeconds: 0 });
    if (!(await db.organizations.findOne({ _id: id }))?.move) return;
  }
  throw new Error("the reconciler did not finish the move");
}

it("a move killed with SIGKILL mid-copy, and one killed right after its switch, are finished by the reconciler", async () => {
  const first = await tenantWith("Killed Copy Co", 1_500);
  const second = await tenantWith("Killed Switch Co", 300);

  const midCopy = await killWhen(
    spawnMove("Killed Copy Co", process.env),
    first.id,
    (move) => (move.copied as number) > 0,
  );
  expect(midCopy.step).toBe("indexes-copied");
  expect(midCopy.copied).toBeLessThan(1_500);

  // Two seconds between the switch and the drop of the source: the window to kill it in.
  const switched = await killWhen(
    spawnMove("Killed Switch Co", { ...process.env, TENANT_MOVE_DRAIN_SECONDS: "2" }),
    second.id,
    (move) => move.step === "switched",
  );
  expect(switched.step).toBe("switched");

  await reconcileUntilMoved(first.id);
  await reconcileUntilMoved(second.id);
  for (const { id, ids } of [first, second]) {
    const after = await inspect(id);
    expect(after.organization.placement?.cell).toBe("cell-b");
    expect(after.copies).toEqual({ "cell-a": 0, "cell-b": 1 });
    expect(after.count).toBe(ids.length);
    expect(after.ids).toEqual([...ids].sort());
    expect(after.indexes).toEqual(["_id_", "n_1"]);
  }
  expect(await checkInvariants()).toEqual([]);
});

/** The move in a process of its own, stopped at its checkpoint `step`: resolves once it is there. */
async function moveStoppedAt(organizationName: string, step: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    bundledCommand("move-until-checkpoint", [organizationName, "cell-b", String(step)]),
    { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("reached")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the move exited (${code}) before step ${step}`)));
  });
  return child;
}

it("a move killed with SIGKILL after each of its steps is finished by the reconciler: one side, every document once", async () => {
  const steps = [1, 2, 3, 4, 5, 6, 7];
  const tenants = await Promise.all(steps.map((step) => tenantWith(`Killed At ${step} Co`, 120)));
  const movers = await Promise.all(steps.map((step) => moveStoppedAt(`Killed At ${step} Co`, step)));
  await Promise.all(
    movers.map(async (child) => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }),
  );

  for (const { id } of tenants) await reconcileUntilMoved(id);
  for (const [i, { id, ids }] of tenants.entries()) {
    const after = await inspect(id);
    expect(after.organization.placement?.cell, `step ${steps[i]}`).toBe("cell-b");
    expect(after.copies, `step ${steps[i]}`).toEqual({ "cell-a": 0, "cell-b": 1 });
    expect(after.ids, `step ${steps[i]}`).toEqual([...ids].sort());
    expect(after.indexes).toEqual(["_id_", "n_1"]);
  }
  expect(await checkInvariants()).toEqual([]);
});

it("exports a tenant to a file and restores it after its delete, every document and index back", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "org-service-tenants-export-"));
  try {
    const { id, ids } = await tenantWith("Exported Co", 120);
    const before = await inspect(id);
    const file = path.join(directory, "exported.tar.gz");
    const exported = await tenantsCommand(["export", "Exported Co", "--out", file]);
    expect(exported.stdout).toMatch(
      /^Exported Co: 120 documents, 1 indexes, 1 members → .*exported\.tar\.gz \(\d+ bytes, sha256 [0-9a-f]{64}\)$/m,
    );
    expect(await readdir(directory)).toEqual(["exported.tar.gz"]);

    const owner = (await (await database()).organizations.findOne({ _id: id }))!.admin_id.toHexString();
    await deleteOrganization({ userId: owner, organizationId: id.toHexString(), role: "owner" }, "Exported Co");
    const restored = await tenantsCommand(["restore", file]);
    expect(restored.stdout).toMatch(/^Exported Co \([0-9a-f]{24}\): 120 documents, 1 indexes, 1 members restored$/m);
    expect(restored.stdout).toContain("(new account: mailed a link to set its password)");
    const after = await inspect(id);
    expect(after.ids).toEqual(before.ids);
    expect(after.ids).toHaveLength(ids.length);
    expect(after.indexes).toEqual(before.indexes);
    expect(await checkInvariants()).toEqual([]);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
