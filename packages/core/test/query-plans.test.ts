/**
 * The lookups every request makes — organization by slug (get), admin by email (login),
 * organization by _id (login), admin by _id (get with a token) — asked with `explain`, in the very
 * shape the service sends them (filter, projection, limit 1 as `findOne` does).
 *
 * What the server reports decides what is asserted:
 * - MongoDB: every lookup is served by its index (IXSCAN on slug_unique / email_unique, IDHACK or
 *   an _id_ scan for _id) and never by a collection scan.
 * - FerretDB v1 on PostgreSQL (the embedded default): `queryPlanner.Plan` is PostgreSQL's
 *   `EXPLAIN (VERBOSE, FORMAT JSON)` of the SQL FerretDB sent, so index use would show as an
 *   "Index Scan" or "Bitmap Index Scan" node. FerretDB pushes every equality down into SQL
 *   (`filterPushdown`), as jsonb containment: `_jsonb -> 'slug' @> '"plan_alpha"'`. The indexes
 *   it creates for `createIndex` (and for `_id`) are btree indexes on `_jsonb -> 'slug'`, which
 *   cannot serve `@>`: every lookup is a sequential scan, but one PostgreSQL runs over its own
 *   storage, without FerretDB decoding each document (measured by `pnpm bench`, "latency against
 *   data size").
 * - FerretDB v1 on SQLite (the fallback): `queryPlanner.Plan` is SQLite's EXPLAIN QUERY PLAN,
 *   plus `filterPushdown`. FerretDB pushes `_id` equality down into SQL, but evaluates every other
 *   filter itself on each decoded document: secondary indexes only enforce uniqueness there, and
 *   lookups by slug or email scan the collection.
 * The test records exactly that, so it fails when FerretDB's behaviour or the service's query
 * shapes change.
 */
import type { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createOrganization } from "../src";
import { organizationProjection } from "../src/organizations/model";
import { VISIBLE } from "../src/organizations/steps";
import { database, type Database, useIsolatedDatabases } from "../src/testing";
import { type Backend, backendOf } from "./support/backend";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

type Explain = Record<string, unknown> & {
  queryPlanner?: { winningPlan?: unknown; Plan?: unknown };
  filterPushdown?: boolean;
};

let db: Database;
let backend: Backend;
let organizationId: ObjectId;
let adminId: ObjectId;
const email = "plans@example.com";

beforeAll(async () => {
  // A few records, so a planner has something to choose over.
  for (const [name, address] of [
    ["Plan Alpha", email],
    ["Plan Beta", "beta@example.com"],
    ["Plan Gamma", "gamma@example.com"],
  ] as const) {
    await createOrganization({ organizationName: name, email: address, password: "correct horse battery" });
  }
  db = await database();
  const organization = await db.organizations.findOne({ slug: "plan_alpha" });
  if (!organization) throw new Error("the organization was not created");
  organizationId = organization._id;
  adminId = organization.admin_id;
  backend = await backendOf(db.master);
});

/** The service's queries, as sent (see organizations/model.ts and organizations/login.ts). */
const lookups = {
  "organization by slug": {
    explain: () =>
      db.organizations
        .find({ slug: "plan_alpha", ...VISIBLE }, { projection: organizationProjection })
        .limit(1)
        .explain("queryPlanner"),
    index: "slug_unique",
    field: "slug",
  },
  "user by email": {
    explain: () =>
      db.users
        .find({ email }, { projection: { password_hash: 1, email: 1 } })
        .limit(1)
        .explain("queryPlanner"),
    index: "email_unique",
    field: "email",
  },
  "organization by _id": {
    explain: () =>
      db.organizations
        .find({ _id: organizationId, ...VISIBLE }, { projection: organizationProjection })
        .limit(1)
        .explain("queryPlanner"),
    index: "_id_",
    field: "_id",
  },
  "membership by _id (every authenticated request)": {
    explain: () =>
      db.memberships
        .find(
          { _id: `${organizationId.toHexString()}:${adminId.toHexString()}` },
          { projection: { role: 1, grant: 1, credentials_version: 1, email: 1 } },
        )
        .limit(1)
        .explain("queryPlanner"),
    index: "_id_",
    field: "_id",
  },
} as const;

/** Every `stage` and `indexName` anywhere in the winning plan (classic and SBE layouts alike). */
function planNodes(plan: unknown, found: { stages: string[]; indexes: string[] } = { stages: [], indexes: [] }) {
  if (Array.isArray(plan)) for (const item of plan) planNodes(item, found);
  else if (plan && typeof plan === "object") {
    for (const [key, value] of Object.entries(plan)) {
      if (key === "stage" && typeof value === "string") found.stages.push(value);
      else if (key === "indexName" && typeof value === "string") found.indexes.push(value);
      else planNodes(value, found);
    }
  }
  return found;
}

/** Every "Node Type" in a PostgreSQL JSON plan, its sub-plans included. */
function postgresNodeTypes(plan: unknown, found: string[] = []): string[] {
  if (plan && typeof plan === "object") {
    const node = plan as { "Node Type"?: unknown; Plans?: unknown[] };
    if (typeof node["Node Type"] === "string") found.push(node["Node Type"]);
    for (const child of node.Plans ?? []) postgresNodeTypes(child, found);
  }
  return found;
}

describe.each(Object.entries(lookups))("%s", (_name, lookup) => {
  it("is served by its index on MongoDB, and planned as recorded above on FerretDB", async () => {
    const explain = (await lookup.explain()) as Explain;
    if (backend === "ferretdb-postgres") {
      const plan = explain.queryPlanner?.Plan as { "Relation Name"?: string; Filter?: string } | undefined;
      expect(explain.filterPushdown).toBe(true);
      // One sequential scan of the collection's table, the lookup's equality as its SQL filter.
      expect(postgresNodeTypes(plan)).toEqual(["Seq Scan"]);
      expect(plan?.Filter).toMatch(new RegExp(`_jsonb -> '${lookup.field}'::text\\) @> `));
      return;
    }
    if (backend === "ferretdb-sqlite") {
      // SQLite's plan: one line per step, e.g. "id=2 parent=0 notused=0 detail=SCAN organizations_c9b611db".
      const plan = explain.queryPlanner?.Plan;
      expect(Array.isArray(plan) && plan.length > 0 && plan.every((line) => typeof line === "string")).toBe(true);
      // _id equality is evaluated in SQL; any other filter by FerretDB on every document (no secondary index use).
      expect(explain.filterPushdown).toBe(lookup.index === "_id_");
      return;
    }
    const { stages, indexes } = planNodes(explain.queryPlanner?.winningPlan);
    expect(stages.length).toBeGreaterThan(0);
    expect(stages).not.toContain("COLLSCAN");
    const byIdFastPath =
      lookup.index === "_id_" && stages.some((stage) => stage === "IDHACK" || stage === "EXPRESS_IDHACK");
    if (!byIdFastPath) {
      expect(stages.some((stage) => stage === "IXSCAN" || stage === "EXPRESS_IXSCAN")).toBe(true);
      expect(indexes).toContain(lookup.index);
    }
  });
});

it("the indexes the lookups rely on exist, unique where names and emails must be", async () => {
  const organizationIndexes = await db.organizations.indexes();
  const adminIndexes = await db.users.indexes();
  expect(organizationIndexes.find((index) => index.name === "slug_unique")).toMatchObject({
    key: { slug: 1 },
    unique: true,
  });
  expect(adminIndexes.find((index) => index.name === "email_unique")).toMatchObject({
    key: { email: 1 },
    unique: true,
  });
});
