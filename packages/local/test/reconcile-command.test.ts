import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ObjectId } from "mongodb";
import { checkInvariants, closeDatabase } from "@org-service/core";
import { useIsolatedDatabases, database } from "@org-service/core/testing";
import { afterAll, expect, inject, it } from "vitest";
import { bundledCommand, ROOT, sourceCommand } from "./support/bundled";

const run = promisify(execFile);
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

/**
 * `pnpm reconcile` as a user runs it: a separate process against the same database, from its
 * sources through tsx as the script runs it (`fromSources`), or from its bundle, made once per run.
 */
function reconcileCommand(
  args: string[],
  env: Record<string, string | undefined> = process.env,
  { fromSources = false } = {},
) {
  const command = fromSources ? sourceCommand : bundledCommand;
  return run(process.execPath, command("reconcile-command", args), { cwd: ROOT, env });
}

it("undoes a create that a crash left behind, then reports the invariants as holding", async () => {
  const db = await database();
  const id = new ObjectId();
  const adminId = new ObjectId();
  const longAgo = new Date(Date.now() - 3_600_000);
  await db.organizations.insertOne({
    _id: id,
    admin_id: adminId,
    name: "Crashed Co",
    slug: "crashed_co",
    collection_name: "org_crashed_co",
    created_at: longAgo,
    updated_at: longAgo,
    pending: { op: "create", started_at: longAgo, user_id: adminId, user_created: true },
  });
  await db.users.insertOne({
    _id: adminId,
    email: "crash@example.com",
    password_hash: "x",
    credentials_version: 1,
    created_at: longAgo,
    updated_at: longAgo,
  });
  await db.memberships.insertOne({
    _id: `${id.toHexString()}:${adminId.toHexString()}`,
    organization_id: id,
    user_id: adminId,
    role: "owner",
    grant: new ObjectId(),
    email: "crash@example.com",
    credentials_version: 1,
    joined_at: longAgo,
    updated_at: longAgo,
  });
  await db.tenants.createCollection("org_crashed_co");
  expect(await checkInvariants()).not.toEqual([]);

  const { stdout } = await reconcileCommand(["--check"], process.env, { fromSources: true });
  expect(JSON.parse(stdout)).toMatchObject({ createsUndone: 1 });
  expect(await checkInvariants()).toEqual([]);
  expect(await db.users.countDocuments({ email: "crash@example.com" })).toBe(0);
});

it("exits 1 with --check when an invariant is broken, and 2 without MONGODB_URI", async () => {
  const db = await database();
  await db.tenants.createCollection("org_nobody_owns_me");
  const failed = await reconcileCommand(["--check"]).catch((error: { code: number; stderr: string }) => error);
  expect(failed).toMatchObject({
    code: 1,
    stderr: expect.stringContaining(
      `collection default/${process.env.MONGODB_TENANT_DB}/org_nobody_owns_me has no organization`,
    ),
  });
  await db.tenants.dropCollection("org_nobody_owns_me");

  const { MONGODB_URI: _, ...withoutUri } = process.env;
  const refused = await reconcileCommand([], withoutUri).catch((error: { code: number; stderr: string }) => error);
  expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining("Set MONGODB_URI") });
});

it("exits 2 before it connects when the configuration is wrong, naming the variable and never a secret", async () => {
  const refused = await reconcileCommand([], {
    ...process.env,
    MONGODB_URI: "mysql://root:hunter2@127.0.0.1:1/",
    RECONCILE_GRACE_SECONDS: "two minutes",
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  expect(refused).toMatchObject({ code: 2, stdout: "" });
  const { stderr } = refused as { stderr: string };
  expect(stderr.trim().split("\n")).toEqual([
    'MONGODB_URI (secret, value not shown): not a MongoDB connection string; expected a connection string whose scheme is "mongodb" or "mongodb+srv"',
    'RECONCILE_GRACE_SECONDS="two minutes": not a whole number; expected a whole number from 0 to 86400 (default 120)',
  ]);
});
