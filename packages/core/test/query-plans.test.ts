/**
 * The lookups the service makes on its hot paths — the session by `_id` (every authenticated
 * request), the organization by `_id` and by slug, the user by email, the membership by its key,
 * a tenant document by `_id` and by an indexed field — asked with `explain`, in the very shape the
 * service sends them (filter, projection, limit 1 as `findOne` does), over collections of a few
 * thousand records, so that a planner has a reason to choose an index. The platform's search by
 * a name prefix is explained as the service sent it (caught by the driver's command monitoring).
 *
 * What the server reports decides what is asserted:
 * - MongoDB: every lookup is served by its index (IXSCAN on slug_unique / email_unique, IDHACK or
 *   an _id_ scan for _id) and never by a collection scan.
 * - FerretDB v1 on PostgreSQL (the embedded default): `queryPlanner.Plan` is PostgreSQL's
 *   `EXPLAIN (VERBOSE, FORMAT JSON)` of the SQL FerretDB sent. FerretDB pushes every equality down
 *   as jsonb containment (`_jsonb -> 'slug' @> '"plan_alpha"'`), which its own btree indexes cannot
 *   serve; the embedded cluster gives each of them a GIN companion that can
 *   (packages/embedded-db/src/gin-companions.sql). So every lookup is a Bitmap Index Scan on the
 *   companion of the field's index, never a sequential scan — also after the tenant's collection
 *   is renamed, and no longer once its index is dropped (the companion goes with it).
 * - FerretDB v1 on SQLite (the fallback): `queryPlanner.Plan` is SQLite's EXPLAIN QUERY PLAN,
 *   plus `filterPushdown`. FerretDB pushes `_id` equality down into SQL, but evaluates every other
 *   filter itself on each decoded document: secondary indexes only enforce uniqueness there, and
 *   lookups by slug or email scan the collection.
 * The test records exactly that, so it fails when FerretDB's behaviour, the companions or the
 * service's query shapes change.
 */
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  authenticate,
  createIndex,
  createOrganization,
  dropIndex,
  insertDocument,
  listOrganizations,
  updateOrganization,
  type AuthenticatedActor,
  type PlatformActor,
} from "../src";
import { sessionCheckProjection } from "../src/auth/authenticate";
import { tenantCollectionAt } from "../src/cells/placement";
import { organizationProjection } from "../src/organizations/model";
import { SEARCH_PREFIX_MAX } from "../src/organizations/search";
import { VISIBLE } from "../src/organizations/steps";
import { database, type Database, loginWithPassword, useIsolatedDatabases } from "../src/testing";
import { type Backend, backendOf } from "./support/backend";

// The driver's command monitoring, switched on through the connection string: the search is caught as sent.
const databases = useIsolatedDatabases(`${inject("mongodbUri")}?monitorCommands=true`);
afterAll(() => databases.drop());

type Explain = Record<string, unknown> & {
  queryPlanner?: { winningPlan?: unknown; Plan?: unknown };
  filterPushdown?: boolean;
};

/** Records beside the test's own in each collection looked up. */
const FILLER = 2_000;
const PASSWORD = "correct horse battery";

let db: Database;
let backend: Backend;
let organizationId: ObjectId;
let adminId: ObjectId;
let sessionId: ObjectId;
let owner: AuthenticatedActor;
let organizationName = "Plan Alpha";
const email = "plans@example.com";

beforeAll(async () => {
  for (const [name, address] of [
    [organizationName, email],
    ["Plan Beta", "beta@example.com"],
  ] as const) {
    await createOrganization({ organizationName: name, email: address, password: PASSWORD });
  }
  db = await database();
  const organization = await db.organizations.findOne({ slug: "plan_alpha" });
  if (!organization) throw new Error("the organization was not created");
  organizationId = organization._id;
  adminId = organization.admin_id;
  const session = await loginWithPassword({ email, password: PASSWORD });
  sessionId = new ObjectId(session.sessionId);
  owner = await authenticate(session.accessToken);
  await createIndex(owner, { keys: { score: 1 } });

  const numbered = (make: (n: number) => Record<string, unknown>) => Array.from({ length: FILLER }, (_, n) => make(n));
  const now = new Date();
  await Promise.all([
    db.organizations.insertMany(
      numbered((n) => ({
        name: `Filler ${n}`,
        slug: `filler_${n}`,
        collection_name: `org_filler_${n}`,
      })) as never[],
    ),
    db.users.insertMany(numbered((n) => ({ email: `filler${n}@example.com` })) as never[]),
    db.memberships.insertMany(numbered((n) => ({ _id: `filler:${n}`, user_id: new ObjectId() })) as never[]),
    db.sessions.insertMany(numbered(() => ({ user_id: new ObjectId(), expires_at: now })) as never[]),
    // Domains (domains/): other organizations' claims, held domains and join requests, and one of each of this one's.
    db.domainClaims.insertMany([
      ...numbered((n) => ({ organization_id: new ObjectId(), domain: `filler${n}.example` })),
      { organization_id: organizationId, domain: "plans.example" },
    ] as never[]),
    db.verifiedDomains.insertMany([
      ...numbered((n) => ({ _id: `filler${n}.example`, organization_id: new ObjectId() })),
      { _id: "plans.example", organization_id: organizationId },
    ] as never[]),
    db.joinRequests.insertMany([
      ...numbered((n) => ({ _id: `filler:${n}`, organization_id: new ObjectId(), state: "pending" })),
      {
        _id: `${organizationId.toHexString()}:${adminId.toHexString()}`,
        organization_id: organizationId,
        state: "pending",
      },
    ] as never[]),
  ]);
  const tenant = await tenantCollectionAt(organization);
  await tenant.insertMany(numbered((n) => ({ _id: `filler-${n}`, score: n + 1_000 })) as never[]);
  await insertDocument(owner, { _id: "doc-42", score: 42 });
  backend = await backendOf(db.master);
});

/** The tenant collection where the organization's record says it is now (a rename moves it). */
async function tenant() {
  const organization = await db.organizations.findOne({ _id: organizationId });
  return tenantCollectionAt<{ _id: string; score?: number }>(organization!);
}

/** The service's queries, as sent (see auth/authenticate.ts, organizations/*.ts and data/documents.ts). */
const lookups = {
  "session by _id (every authenticated request)": {
    explain: () =>
      db.sessions.find({ _id: sessionId }, { projection: sessionCheckProjection }).limit(1).explain("queryPlanner"),
    index: "_id_",
    field: "_id",
  },
  "organization by _id (every request that reads the organization)": {
    explain: () =>
      db.organizations
        .find({ _id: organizationId, ...VISIBLE }, { projection: organizationProjection })
        .limit(1)
        .explain("queryPlanner"),
    index: "_id_",
    field: "_id",
  },
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
  "membership by its key": {
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
  "an organization's claim of a domain (verify, release: domains/claims.ts)": {
    explain: () =>
      db.domainClaims
        .find({ organization_id: organizationId, domain: "plans.example" })
        .limit(1)
        .explain("queryPlanner"),
    index: "organization_domain_unique",
    field: "organization_id",
  },
  "the claims of a domain, any organization's": {
    explain: () => db.domainClaims.find({ domain: "plans.example" }).explain("queryPlanner"),
    index: "domain",
    field: "domain",
  },
  "the domains an organization holds (verifiedDomainsOf, listing)": {
    explain: () => db.verifiedDomains.find({ organization_id: organizationId }).explain("queryPlanner"),
    index: "organization_id",
    field: "organization_id",
  },
  "an organization's pending join requests, a page": {
    explain: () =>
      db.joinRequests
        .find({ organization_id: organizationId, state: "pending" })
        .sort({ _id: 1 })
        .limit(51)
        .explain("queryPlanner"),
    index: "organization_state",
    field: "organization_id",
  },
  "tenant document by _id": {
    explain: async () => (await tenant()).find({ _id: "doc-42" }).limit(1).explain("queryPlanner"),
    index: "_id_",
    field: "_id",
  },
  "tenant document by an indexed field": {
    explain: async () => (await tenant()).find({ score: 42 }).explain("queryPlanner"),
    index: "score_1",
    field: "score",
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

interface PostgresNode {
  "Node Type"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PostgresNode[];
}

/** Every node of a PostgreSQL JSON plan, its sub-plans included. */
function postgresNodes(plan: PostgresNode | undefined, found: PostgresNode[] = []): PostgresNode[] {
  if (plan && typeof plan === "object") {
    found.push(plan);
    for (const child of plan.Plans ?? []) postgresNodes(child, found);
  }
  return found;
}

const COMPANION = /^gin_[0-9a-f]{32}$/;

/** The assertion for FerretDB on PostgreSQL: a Bitmap Index Scan on a companion, whose condition is the lookup's. */
function expectIndexedOnPostgres(explain: Explain, field: string) {
  expect(explain.filterPushdown).toBe(true);
  const nodes = postgresNodes(explain.queryPlanner?.Plan as PostgresNode);
  expect(nodes.map((node) => node["Node Type"])).not.toContain("Seq Scan");
  const scan = nodes.find((node) => node["Node Type"] === "Bitmap Index Scan");
  expect(scan?.["Index Name"]).toMatch(COMPANION);
  expect(scan?.["Index Cond"]).toContain(`_jsonb -> '${field}'::text) @> `);
}

describe.each(Object.entries(lookups))("%s", (_name, lookup) => {
  it("is served by its index on MongoDB and on FerretDB's PostgreSQL; as recorded above on SQLite", async () => {
    const explain = (await lookup.explain()) as Explain;
    if (backend === "ferretdb-postgres") {
      expectIndexedOnPostgres(explain, lookup.field);
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

describe("the platform's search by a name or slug prefix", () => {
  const platform: PlatformActor = { clientId: "pc_query_plans", scopes: ["platform:read"] };
  const longQuery = `Plan Alpha ${"and more ".repeat(4)}`.trim();

  /** The `find` on the search entries that the search sent, as sent (without the session's fields). */
  async function searchFind(query: string): Promise<Record<string, unknown>> {
    const finds: Record<string, unknown>[] = [];
    const record = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === "find" && event.command.find === "organization_search") finds.push(event.command);
    };
    db.client.on("commandStarted", record);
    try {
      await listOrganizations(platform, { query });
    } finally {
      db.client.off("commandStarted", record);
    }
    expect(finds).toHaveLength(1);
    const { find, filter, projection, sort, limit } = finds[0]!;
    // As sent, without the fields the search does not set (an explain refuses a null one).
    return Object.fromEntries(
      Object.entries({ find, filter, projection, sort, limit }).filter(([, value]) => value !== undefined),
    );
  }

  it.each([
    ["a short prefix of the name", "plan AL"],
    ["a prefix of the slug", "PLAN_ALPHA"],
    [`a query longer than the ${SEARCH_PREFIX_MAX} characters kept`, longQuery],
  ])("%s: an equality on the search entries' prefixes, served by its index (not a scan)", async (_, query) => {
    expect([...longQuery].length).toBeGreaterThan(SEARCH_PREFIX_MAX);
    const command = await searchFind(query);
    const explain = (await db.master.command({ explain: command, verbosity: "queryPlanner" })) as Explain;
    if (backend === "ferretdb-postgres") {
      expectIndexedOnPostgres(explain, "prefixes");
      return;
    }
    if (backend === "ferretdb-sqlite") {
      // Not `_id`: evaluated by FerretDB on every document, as every lookup but by `_id` there.
      expect(explain.filterPushdown).toBe(false);
      return;
    }
    const { stages, indexes } = planNodes(explain.queryPlanner?.winningPlan);
    expect(stages).not.toContain("COLLSCAN");
    expect(indexes).toContain("prefixes");
  });

  it("finds the organization by what its name and slug start with, and only that", async () => {
    const found = async (query: string) =>
      (await listOrganizations(platform, { query })).organizations.map((organization) => organization.name);
    expect(await found("plan AL")).toEqual([organizationName]);
    expect(await found("PLAN_ALPHA")).toEqual([organizationName]);
    expect(await found("plan")).toEqual(["Plan Beta", organizationName]);
    expect(await found(longQuery)).toEqual([]);
  });
});

describe("a tenant's index and its companion on PostgreSQL", () => {
  it("a renamed collection keeps its indexes served; a dropped index leaves no companion behind", async () => {
    const byScore = lookups["tenant document by an indexed field"];
    const renamed = "Plan Alpha Renamed";
    await updateOrganization(owner, { organizationName, newOrganizationName: renamed });
    organizationName = renamed;
    const afterRename = (await byScore.explain()) as Explain;
    await dropIndex(owner, "score_1");
    const afterDrop = (await byScore.explain()) as Explain;
    if (backend !== "ferretdb-postgres") return;
    expectIndexedOnPostgres(afterRename, "score");
    // Still pushed down, now with nothing to serve it: had the companion stayed, it would.
    expect(afterDrop.filterPushdown).toBe(true);
    expect(postgresNodes(afterDrop.queryPlanner?.Plan as PostgresNode).map((node) => node["Node Type"])).toEqual([
      "Seq Scan",
    ]);
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
