/**
 * `pnpm bench`: cold-start cost (bundle size, module init), warm handler latency, HTTP throughput
 * against a bare floor, login against one bcrypt comparison, and latency against data size — all
 * in one run, against MONGODB_URI or the embedded database. Prints the tables and writes
 * bench/results.md. Figures only: targets are reported as PASS/MISS, never asserted.
 *
 * Latency against data size (section 5) is measured on the database the rest runs on and, when
 * that is an embedded FerretDB, once more on FerretDB's other storage (PostgreSQL or SQLite),
 * started for the purpose, so that the two can be compared from one run.
 *
 * Knobs (environment): BENCH_QUICK=1 (fewer samples, shorter load runs; for trying the script);
 * BENCH_ONLY=scale (section 5 alone, on both storages; prints, leaves results.md as it is);
 * BENCH_ONLY=data (section 3b alone, the document API under load; prints, leaves results.md as it is);
 * BENCH_ONLY=cells (section 5b alone, create and get with tenants over one cell and over two, a
 * second server started for cell "b"; prints, leaves results.md as it is);
 * BENCH_ONLY=clients (section 3c alone, the token endpoint and the platform search at 10 and at
 * 2,000 organizations; prints, leaves results.md as it is);
 * BENCH_ONLY=events (section 3d alone, webhook delivery and the feed; prints, leaves results.md as it is);
 * BENCH_ONLY=archives (section 3e alone, the export and restore of a 100,000-document tenant — 10,000
 * with BENCH_QUICK=1 — and the server's RSS meanwhile; prints, leaves results.md as it is).
 */
// First: the log level, before core's logger is made (log-level.ts says why).
import "./lib/log-level";
import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDatabase, createPlatformClient, parseConfig, restoreArchive } from "../packages/core/src/index";
import { cellUsage } from "../packages/core/src/cells/capacity";
import { placementOf, tenantDatabaseAt } from "../packages/core/src/cells/placement";
import type { PlacementDocument } from "../packages/core/src/db/documents";
import { database } from "../packages/core/src/testing";
import { organizationProjection } from "../packages/core/src/organizations/model";
import { searchPrefixesOf } from "../packages/core/src/organizations/search";
import { clearPending, VISIBLE } from "../packages/core/src/organizations/steps";
import { slugify } from "../packages/core/src/slug";
import {
  startEmbeddedDatabase,
  type EmbeddedDatabase,
  type EmbeddedDatabaseKind,
} from "../packages/embedded-db/src/index";
import { exitIfMisconfigured } from "../packages/local/src/settings";
import {
  buildAllBundles,
  esbuildVersion,
  measureInit,
  naiveDependencies,
  topPackages,
  type BundleMeasurement,
} from "./lib/bundles";
import {
  BENCH_DIR,
  kb,
  loadBcrypt,
  loadMongo,
  log,
  median,
  ms,
  percentile,
  ratio,
  ratioOf,
  table,
  verdict,
  type Target,
} from "./lib/common";
import { type AuthenticationReads, measureAuthenticationReads, medianOf } from "./lib/authentication-reads";
import { clientToken, measurePlatformSearch, measureTokenEndpoint } from "./lib/clients";
import { type EventsMeasurement, measureEvents } from "./lib/events";
import { type ArchivesMeasurement, growthMb, mb, measureArchives } from "./lib/archives";
import { beginChange } from "../packages/core/src/events/change";
import {
  DATA_LIST_LIMIT,
  DATA_SEEDED,
  type DataLoadResult,
  type DataRunOptions,
  measureDataLoad,
  measureTenantSizes,
  TENANT_SIZES,
  type TenantSizeResult,
} from "./lib/data-load";
import {
  failedRequests,
  killAllChildServers,
  measureLoad,
  startChildServer,
  type ChildServer,
  type LoadResult,
} from "./lib/load";
import {
  createRequest,
  expectStatus,
  getRequest,
  invoke,
  loadHandlers,
  loginRequest,
  attempt,
  failedCalls,
  failures,
  timeInvocations,
  useBcryptCost,
  useDataSet,
  type DataSet,
  type Handlers,
} from "./lib/service";

// The whole configuration first (BCRYPT_COST, MONGODB_URI, …): a wrong value ends the run here.
exitIfMisconfigured(() => parseConfig(process.env));

const QUICK = process.env.BENCH_QUICK === "1";
const ONLY = process.env.BENCH_ONLY;
const ONLY_SECTIONS = ["scale", "data", "cells", "clients", "events", "archives"];
if (ONLY !== undefined && !ONLY_SECTIONS.includes(ONLY)) {
  throw new Error(`BENCH_ONLY=${ONLY}: only ${ONLY_SECTIONS.map((name) => `"${name}"`).join(", ")} are supported`);
}
const SETTINGS = {
  initRuns: QUICK ? 5 : 21,
  getSamples: QUICK ? 100 : 400,
  createSamplesLowCost: QUICK ? 10 : 40,
  bcryptSamples: QUICK ? 5 : 25,
  loadSeconds: QUICK ? 3 : 8,
  loadWarmupSeconds: QUICK ? 1 : 2,
  concurrency: [1, 16, 64],
  /** The document API's operations are measured at this many connections. */
  dataConcurrency: 16,
  /** The document API's one-connection runs (after a warm-up as long as the load runs'). */
  dataOneAtATimeSeconds: QUICK ? 2 : 3,
  /** Section 3c: connections of the token endpoint's and the platform search's runs. */
  clientsConcurrency: 16,
  /**
   * Section 3c: the token endpoint's requests go to this many clients of one organization in turn
   * (BENCH_TOKEN_CLIENTS). A check of a secret counts as a failure until it is found right
   * (auth/login-throttle.ts), so the requests in flight count against the throttle's limits: where
   * the grant limits failures per client (LOGIN_MAX_FAILURES_PER_EMAIL, 5), one client asked 16
   * times at once is refused past its fifth attempt in flight, whatever its secret.
   */
  tokenClients: Number(process.env.BENCH_TOKEN_CLIENTS ?? 16),
  largeOrganizations: 2000,
  smallOrganizations: 10,
  costTable: [8, 10, 12],
  /** Section 3e: the documents of the tenant exported and restored. */
  archiveDocuments: QUICK ? 10_000 : 100_000,
};
/** Section 3e's target: the service's RSS grows by less than this while it exports the tenant. */
const EXPORT_RSS_GROWTH_MB = 64;
/** The configured cost: what a deployment runs with unless BCRYPT_COST says otherwise. */
const CONFIGURED_COST = Number(process.env.BCRYPT_COST ?? 12);
/** Seeding and the data-size comparison hash at the lowest cost, so bcrypt does not drown the database work. */
const LOW_COST = 4;
const PASSWORD = "bench-password-123";

const started = Date.now();
const runId = randomBytes(3).toString("hex");
const outDir = mkdtempSync(path.join(os.tmpdir(), "org-service-bench-"));
/** A data set of `size` organizations, its master and tenant databases named for this run by `tag`. */
function dataSet(size: "small" | "large", tag: string, layout = ""): DataSet {
  const count = size === "small" ? SETTINGS.smallOrganizations : SETTINGS.largeOrganizations;
  return {
    label: `${count} organizations${layout}`,
    masterDb: `bench_${runId}_${tag}_master`,
    tenantDb: `bench_${runId}_${tag}_tenants`,
  };
}
const dataSets = { small: dataSet("small", "s"), large: dataSet("large", "l") } satisfies Record<string, DataSet>;
/** Section 3c's two sizes: the platform search across 10 and across 2,000 organizations. */
const clientDataSets = { small: dataSet("small", "ks"), large: dataSet("large", "kl") } satisfies Record<
  "small" | "large",
  DataSet
>;
/** Section 3d's data set. */
const eventsDataSet = dataSet("small", "ev");
/** Section 3e's data set: one organization of its own, and its restore. */
const archivesDataSet = dataSet("small", "ar");
/** What section 3c searches for: the first ten organizations' names, in both data sets. */
const SEARCH_QUERY = "bench org";
/**
 * Section 5b: the same two sizes with every tenant in one cell (the default cell, as in section 5)
 * and with the tenants spread over two cells, "a" on the benchmark's server and "b" on a second
 * one. The master registry is on the benchmark's server in both; a two-cell set's tenant database
 * is cell "a"'s pool, cell "b"'s is cellBPool on the second server.
 */
const cellDataSets = {
  one: { small: dataSet("small", "c1s", ", one cell"), large: dataSet("large", "c1l", ", one cell") },
  two: { small: dataSet("small", "c2s", ", two cells"), large: dataSet("large", "c2l", ", two cells") },
} satisfies Record<"one" | "two", Record<"small" | "large", DataSet>>;
/** Cell "b"'s pool database on the second server, for each size. */
const cellBPool = (key: "small" | "large") => `bench_${runId}_c2${key[0]}_b_tenants`;
/** Each cell's budget in section 5b: far more than the benchmark places, so placement never refuses. */
const CELL_BUDGET = 1_000_000;
/** TENANT_CELLS as the benchmark found it: section 5b sets its own, then puts this back. */
const ORIGINAL_TENANT_CELLS = process.env.TENANT_CELLS;

let embedded: EmbeddedDatabase | undefined;
/** FerretDB on its other storage, for section 5's comparison; stopped right after. */
let comparison: EmbeddedDatabase | undefined;
/** The server of section 5b's cell "b"; stopped right after. */
let secondCell: EmbeddedDatabase | undefined;
const children: ChildServer[] = [];
const targets: Target[] = [];

/**
 * results.md in section order, whatever order the measurements run in (the HTTP load, section 3,
 * runs last so that its child processes do not disturb the others). 0 is the header, 6 the end.
 */
const sections = new Map<number, string[]>();
let currentSection = 0;

function startSection(number: number): void {
  currentSection = number;
}

function emit(text = ""): void {
  const lines = sections.get(currentSection) ?? [];
  lines.push(text);
  sections.set(currentSection, lines);
  process.stdout.write(`${text}\n`);
}

function probeName(i: number): string {
  return `Bench Org ${String(i).padStart(4, "0")}`;
}
function probeEmail(i: number): string {
  return `admin${String(i).padStart(4, "0")}@bench.example`;
}

async function cleanUp(): Promise<void> {
  for (const child of children.splice(0)) await child.stop().catch(() => undefined);
  killAllChildServers();
  await comparison?.stop().catch(() => undefined);
  comparison = undefined;
  await secondCell?.stop().catch(() => undefined);
  secondCell = undefined;
  useTenantCells(ORIGINAL_TENANT_CELLS);
  if (embedded) {
    // On an external server the benchmark's databases must not outlive it.
    const uri = embedded.uri;
    const all = [
      ...Object.values(dataSets),
      ...Object.values(clientDataSets),
      ...Object.values(cellDataSets).flatMap((sets) => Object.values(sets)),
      archivesDataSet,
    ];
    for (const dataSet of all) {
      await useDataSet(uri, dataSet, LOW_COST).catch(() => undefined);
      const db = await database().catch(() => undefined);
      await Promise.all([db?.master.dropDatabase(), db?.tenants.dropDatabase()]).catch(() => undefined);
    }
    await closeDatabase().catch(() => undefined);
    await embedded.stop().catch(() => undefined);
    embedded = undefined;
  }
  rmSync(outDir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} finally {
  await cleanUp();
}
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);

async function main(): Promise<void> {
  // The in-process service must not find SST secrets or a Lambda name: it runs as locally.
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  delete process.env.JWT_ISSUER;
  const startedDb = await startEmbeddedDatabase({ log: (line) => log(`[embedded-db] ${line}`) });
  embedded = startedDb;
  const uri = startedDb.uri;

  const machine = await describeMachine(startedDb);
  emit(`# org-service benchmark`);
  emit();
  emit(
    `Run ${new Date().toISOString()} with \`pnpm bench\`${QUICK ? " (BENCH_QUICK=1: fewer samples)" : ""}${ONLY ? ` (BENCH_ONLY=${ONLY})` : ""}.`,
  );
  emit();
  emit(table(["", ""], machine));
  emit();

  // 1. Bundles and module init.
  if (!ONLY) {
    const { handlers: bundles, failed, naive } = await buildAllBundles(outDir);
    // What Node's own stack mapping would cost a cold start: the deployment leaves it off.
    const plain = bundles.find((b) => b.name === "get-organization");
    const withSourceMaps = plain && { ...plain, nodeOptions: "--enable-source-maps" };
    await measureInit([...bundles, naive, ...(withSourceMaps ? [withSourceMaps] : [])], SETTINGS.initRuns);
    reportBundles(bundles, failed, naive, plain && withSourceMaps && { plain, withSourceMaps });
  }

  if (ONLY === "data") {
    const { service, floor } = await startServiceAndFloor(uri);
    await documentApiThenTargets(uri, service, floor);
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }

  // 5 (and the get/create part of 2): latency against data size, at the low cost, here and on
  // FerretDB's other storage.
  const handlers = await loadHandlers();
  if (ONLY === "cells") {
    reportCells(await measureCells(startedDb, handlers));
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }
  if (ONLY === "events") {
    reportEvents(await measureEventsSection(startedDb));
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }
  if (ONLY === "archives") {
    reportArchives(await measureArchivesSection(startedDb));
    startSection(6);
    reportTargets();
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }
  if (ONLY === "clients") {
    reportClients(await measureClients(startedDb, handlers));
    startSection(6);
    reportTargets();
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }
  const scale = await measureScale(uri, handlers, databaseLabel(startedDb));
  const compared = await measureOtherStorage(startedDb.kind, handlers);
  reportScale({ label: databaseLabel(startedDb), scale }, compared);
  if (ONLY) {
    startSection(6);
    reportTargets();
    log("BENCH_ONLY: bench/results.md is left as it is");
    return;
  }

  // 5b: the same sizes with the tenants over one cell and over two, a second server for cell "b".
  reportCells(await measureCells(startedDb, handlers));

  // 2 and 4: login and create at the configured cost, login at each cost of the table, and the
  // bare bcrypt comparison they are measured against. Small data set.
  await useDataSet(uri, dataSets.small, CONFIGURED_COST);
  const bcrypt = await loadBcrypt();
  const costs = [...new Set([...SETTINGS.costTable, CONFIGURED_COST])].sort((a, b) => a - b);
  const perCost = new Map<number, { login: number[]; compare: number[] }>();
  for (const cost of costs) {
    log(`login and bcrypt at cost ${cost}`);
    useBcryptCost(cost);
    const email = `login-cost-${cost}@bench.example`;
    await attempt("create login admin", async () =>
      expectStatus(await invoke(handlers.create, createRequest(`Login Cost ${cost}`, email, PASSWORD)), 201, "create"),
    );
    const hash = bcrypt.hashSync(PASSWORD, cost);
    const samples = Math.max(SETTINGS.bcryptSamples, cost <= 10 ? SETTINGS.bcryptSamples * 2 : 0);
    const login: number[] = [];
    const compare: number[] = [];
    // Interleaved: login, comparison, login, … so both see the same machine.
    for (let i = -2; i < samples; i++) {
      let t = performance.now();
      const answered = await attempt("login", async () =>
        expectStatus(await invoke(handlers.login, loginRequest(email, PASSWORD)), 200, "login"),
      );
      if (i >= 0) login.push(answered ? performance.now() - t : Number.POSITIVE_INFINITY);
      t = performance.now();
      if (!(await bcrypt.compare(PASSWORD, hash))) throw new Error("bcrypt comparison failed");
      if (i >= 0) compare.push(performance.now() - t);
    }
    perCost.set(cost, { login, compare });
  }
  useBcryptCost(CONFIGURED_COST);
  log(`create at cost ${CONFIGURED_COST}`);
  const createConfigured = await timeInvocations(
    "create at the configured cost",
    SETTINGS.bcryptSamples,
    1,
    async (i) => {
      const n = i < 0 ? `w${-i}` : String(i);
      expectStatus(
        await invoke(handlers.create, createRequest(`Cost Probe ${n}`, `cost-${n}@bench.example`, PASSWORD)),
        201,
        "create",
      );
    },
  );
  reportWarm(scale, perCost, createConfigured);
  reportAuthenticationReads(await measureAuthenticationReads(uri, dataSets.small, LOW_COST, SETTINGS.getSamples));
  reportCosts(perCost);
  await closeDatabase();

  // 3. HTTP load: the local server and the floor, each in its own process, on the small data set.
  const { service, floor } = await startServiceAndFloor(uri);
  const query = `/org/get?${new URLSearchParams({ organization_name: probeName(3) })}`;
  const loadResults: { connections: number; service: LoadResult; floor: LoadResult }[] = [];
  for (const connections of SETTINGS.concurrency) {
    const databaseDir = startedDb.dataDir;
    const floorResult = await measureLoad(
      floor.url + query,
      connections,
      SETTINGS.loadSeconds,
      SETTINGS.loadWarmupSeconds,
      {},
      { server: floor, databaseDir },
    );
    const serviceResult = await measureLoad(
      service.url + query,
      connections,
      SETTINGS.loadSeconds,
      SETTINGS.loadWarmupSeconds,
      {},
      { server: service, databaseDir },
    );
    loadResults.push({ connections, service: serviceResult, floor: floorResult });
  }
  reportLoad(loadResults);
  // 3c. Machine clients: the token endpoint and the platform search, servers of their own.
  reportClients(await measureClients(startedDb, handlers));
  // 3d. Events: delivery to webhook receivers, and the feed at two lengths, a server of its own.
  reportEvents(await measureEventsSection(startedDb));
  // 3e. Export and restore of one large tenant, a server of its own.
  reportArchives(await measureArchivesSection(startedDb));
  // 3b. The document API, with the same two processes; then the targets.
  await documentApiThenTargets(uri, service, floor);
  emit();
  emit(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  const ordered = [...sections.entries()].sort(([a], [b]) => a - b).flatMap(([, lines]) => lines);
  writeFileSync(path.join(BENCH_DIR, "results.md"), `${ordered.join("\n")}\n`);
  log(`written to ${path.join(BENCH_DIR, "results.md")}`);
}

/** Section 3b on the running service and floor, which stop after it; then the targets (section 6). */
async function documentApiThenTargets(uri: string, service: ChildServer, floor: ChildServer): Promise<void> {
  const operations = await measureDataLoad({ ...dataRunOptions(uri, service), floor });
  const sizes = await measureTenantSizes(dataRunOptions(uri, service));
  reportDataLoad(operations, sizes);
  for (const child of children.splice(0)) await child.stop();
  startSection(6);
  reportTargets();
  emit();
  emit(`Load average at the end: ${loadAverage()}.`);
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

/** A child server's environment: the data set at `uri`, the configured cost, no per-request logs. */
function childEnvFor(uri: string, dataSet: DataSet): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    MONGODB_URI: uri,
    MONGODB_MASTER_DB: dataSet.masterDb,
    MONGODB_TENANT_DB: dataSet.tenantDb,
    BCRYPT_COST: String(CONFIGURED_COST),
    POWERTOOLS_LOG_LEVEL: "WARN",
  };
}

/** The local server and the floor, each in its own child process, on the small data set. */
async function startServiceAndFloor(uri: string): Promise<{ service: ChildServer; floor: ChildServer }> {
  const childEnv = childEnvFor(uri, dataSets.small);
  log("HTTP load: starting the local server and the floor in child processes");
  const service = await startChildServer("local-server.ts", childEnv);
  children.push(service);
  const floor = await startChildServer("floor-server.ts", childEnv);
  children.push(floor);
  return { service, floor };
}

function dataRunOptions(uri: string, service: ChildServer): DataRunOptions {
  return {
    service,
    uri,
    tenantDb: dataSets.small.tenantDb,
    connections: SETTINGS.dataConcurrency,
    seconds: SETTINGS.loadSeconds,
    warmupSeconds: SETTINGS.loadWarmupSeconds,
    oneAtATimeSeconds: SETTINGS.dataOneAtATimeSeconds,
    runId,
    databaseDir: embedded?.dataDir,
  };
}

/**
 * Seeds both data sets on the server at `uri`, then times get and create (and the database calls
 * they make, alone) on each. The small data set is seeded through the create handler (the real
 * path), the large one adds clones of those documents inserted through the driver in batches of
 * 1,000.
 */
/** `servedBy`: what serves `uri`, as the failed calls' table names it. */
async function measureScale(
  uri: string,
  handlers: Handlers,
  servedBy: string,
): Promise<Record<"small" | "large", Scale>> {
  await useDataSet(uri, dataSets.small, LOW_COST);
  await seedThroughHandler(handlers, SETTINGS.smallOrganizations);
  await useDataSet(uri, dataSets.large, LOW_COST);
  await seedThroughHandler(handlers, SETTINGS.smallOrganizations);
  await seedClones(SETTINGS.largeOrganizations - SETTINGS.smallOrganizations);

  const scale: Record<"small" | "large", Scale> = { small: emptyScale(), large: emptyScale() };
  for (const key of ["small", "large", "small", "large"] as const) {
    // Two alternating passes per data set, so neither profits alone from a warmer process.
    await useDataSet(uri, dataSets[key], LOW_COST);
    log(`warm latency, ${dataSets[key].label}`);
    // Names spread over the whole data set, as real traffic would be: a server that scans instead
    // of using the index finds the first-inserted organizations early and the last ones late.
    const names = organizationNames(key);
    const pass = scale[key].create.length;
    const { get, create } = await timeGetAndCreate(
      handlers,
      names,
      String(pass),
      `section 5, ${servedBy}, ${dataSets[key].label}`,
    );
    // The database alone, on the same data set through the same client: the lookup get makes; the
    // tenant collection create makes, and its record's write and marker update. What grows with
    // these is the database's, not the service's.
    const db = await database();
    const { ObjectId } = await loadMongo();
    const findOne = await timeInvocations("findOne alone", SETTINGS.getSamples / 2, 20, async (i) => {
      const slug = slugify(names[(Math.abs(i) * 7919) % names.length]!);
      if (!(await db.organizations.findOne({ slug, ...VISIBLE }, { projection: organizationProjection })))
        throw new Error(`no organization ${slug}`);
    });
    const createCollection = await timeInvocations(
      "createCollection alone",
      SETTINGS.createSamplesLowCost / 2,
      2,
      async (i) => {
        await db.tenants.createCollection(`engine_probe_${pass}_${i < 0 ? `w${-i}` : i}`);
      },
    );
    const markerUpdate = await timeInvocations(
      "record and marker alone",
      SETTINGS.createSamplesLowCost / 2,
      2,
      async (i) => {
        const slug = `engine_probe_${pass}_${i < 0 ? `w${-i}` : i}`;
        const now = new Date();
        const pending = { op: "create" as const, started_at: now };
        const probe = {
          _id: new ObjectId(),
          admin_id: new ObjectId(),
          name: slug,
          slug,
          collection_name: `org_${slug}`,
          created_at: now,
          updated_at: now,
          pending,
        };
        await db.organizations.insertOne(probe);
        await clearPending(db, probe);
      },
    );
    scale[key].get.push(...get);
    scale[key].create.push(...create);
    scale[key].findOne.push(...findOne);
    scale[key].createCollection.push(...createCollection);
    scale[key].markerUpdate.push(...markerUpdate);
  }
  await closeDatabase();
  return scale;
}

/**
 * Get and create, warm, on the data set the service points at: get looks up `names` spread over
 * the whole data set; each create adds an organization named after `tag` and its index.
 */
async function timeGetAndCreate(
  handlers: Handlers,
  names: readonly string[],
  tag: string,
  where: string,
): Promise<{ get: number[]; create: number[] }> {
  const get = await timeInvocations(`GET /org/get (${where})`, SETTINGS.getSamples / 2, 20, async (i) => {
    expectStatus(await invoke(handlers.get, getRequest(names[(Math.abs(i) * 7919) % names.length]!)), 200, "get");
  });
  const create = await timeInvocations(
    `POST /org/create (${where})`,
    SETTINGS.createSamplesLowCost / 2,
    2,
    async (i) => {
      const n = `${tag}-${i < 0 ? `w${-i}` : i}`;
      expectStatus(
        await invoke(handlers.create, createRequest(`Scale Probe ${n}`, `scale-${n}@bench.example`, PASSWORD)),
        201,
        "create",
      );
    },
  );
  return { get, create };
}

type CellLayout = "one" | "two";

interface CellsMeasurement {
  /** Where cell "a" (and the master registry) and cell "b" run. */
  readonly labels: { readonly a: string; readonly b: string };
  readonly samples: Record<CellLayout, Record<"small" | "large", { get: number[]; create: number[]; usage: number[] }>>;
  /** Tenants per cell in each two-cell data set right after seeding. */
  readonly spread: Record<"small" | "large", string>;
}

function useTenantCells(value: string | undefined): void {
  if (value === undefined) delete process.env.TENANT_CELLS;
  else process.env.TENANT_CELLS = value;
}

/** Point the service at one of section 5b's data sets: one cell (the default) or cells "a" and "b". */
async function useCellLayout(mainUri: string, layout: CellLayout, key: "small" | "large"): Promise<void> {
  const dataSet = cellDataSets[layout][key];
  useTenantCells(
    layout === "one"
      ? undefined
      : JSON.stringify([
          { name: "a", uri: mainUri, database: dataSet.tenantDb, max_namespaces: CELL_BUDGET },
          { name: "b", uri: secondCell!.uri, database: cellBPool(key), max_namespaces: CELL_BUDGET },
        ]),
  );
  await useDataSet(mainUri, dataSet, LOW_COST);
}

/**
 * Section 5b: a second server for cell "b", then four data sets on the benchmark's server — 10 and
 * 2,000 organizations, all in one cell or half in each of two — seeded as section 5 seeds (the
 * first ten through the create handler, which places them itself; the rest as clones, every other
 * one placed in cell "b", with its collection in that cell's pool), and get and create timed in
 * the same way, in alternating passes. With them, the placement's registry aggregation alone.
 */
async function measureCells(main: EmbeddedDatabase, handlers: Handlers): Promise<CellsMeasurement> {
  const { MONGODB_URI: _, ...env } = process.env;
  log("two cells: starting a second server for cell b");
  secondCell = await startEmbeddedDatabase({
    env: { ...env, ...(main.kind !== "external" && { EMBEDDED_DB: main.kind }) },
    log: (line) => log(`[embedded-db] ${line}`),
  });
  try {
    const sizes = ["small", "large"] as const;
    const spread = { small: "", large: "" };
    for (const layout of ["one", "two"] as const) {
      for (const key of sizes) {
        await useCellLayout(main.uri, layout, key);
        await seedThroughHandler(handlers, SETTINGS.smallOrganizations);
        if (key === "large") {
          const placements =
            layout === "one"
              ? undefined
              : [
                  { cell: "a", tier: "pool" as const, database: cellDataSets.two.large.tenantDb, namespaces: 2 },
                  { cell: "b", tier: "pool" as const, database: cellBPool("large"), namespaces: 2 },
                ];
          await seedClones(SETTINGS.largeOrganizations - SETTINGS.smallOrganizations, placements);
        }
        if (layout === "two") {
          // Counted here rather than read from cellUsage's `tenants`: FerretDB v1 sums `{$sum: 1}` to 0.
          const db = await database();
          const counts = await Promise.all(
            ["a", "b"].map(
              async (cell) => `${await db.organizations.countDocuments({ "placement.cell": cell })} in "${cell}"`,
            ),
          );
          spread[key] = counts.join(", ");
          log(`${cellDataSets.two[key].label}: ${spread[key]}`);
        }
      }
    }
    const empty = () => ({ get: [] as number[], create: [] as number[], usage: [] as number[] });
    const samples = { one: { small: empty(), large: empty() }, two: { small: empty(), large: empty() } };
    for (const key of ["small", "large", "small", "large"] as const) {
      for (const layout of ["one", "two"] as const) {
        await useCellLayout(main.uri, layout, key);
        log(`warm latency, ${cellDataSets[layout][key].label}`);
        const into = samples[layout][key];
        const { get, create } = await timeGetAndCreate(
          handlers,
          organizationNames(key),
          `${layout}${into.create.length}`,
          `section 5b, ${cellDataSets[layout][key].label}`,
        );
        // What every create runs before it writes: the cells' usage summed over the whole registry.
        const db = await database();
        const usage = await timeInvocations("cellUsage alone", SETTINGS.createSamplesLowCost / 2, 2, async () => {
          await cellUsage(db);
        });
        into.get.push(...get);
        into.create.push(...create);
        into.usage.push(...usage);
      }
    }
    await closeDatabase();
    return { labels: { a: databaseLabel(main), b: databaseLabel(secondCell) }, samples, spread };
  } finally {
    await closeDatabase().catch(() => undefined);
    useTenantCells(ORIGINAL_TENANT_CELLS);
    await secondCell.stop();
    secondCell = undefined;
  }
}

interface ClientsMeasurement {
  /** `POST /oauth/token` on the small data set's server. */
  readonly token: LoadResult;
  /** The platform search on each data set, and how many organizations it found there. */
  readonly search: Record<"small" | "large", { readonly found: number; readonly result: LoadResult }>;
  /** The section's time, seeding and server starts included. */
  readonly seconds: number;
}

/**
 * Section 3c: two data sets of its own, seeded as section 5 seeds them (the first ten
 * organizations through the create handler, then clones through the driver up to 2,000 in the
 * large one), a platform client made in each with core's createPlatformClient, and a local server
 * in a child process on each; then the platform search on both, with a token the endpoint gave
 * that set's platform client, and the token endpoint on the small one's server.
 */
async function measureClients(db: EmbeddedDatabase, handlers: Handlers): Promise<ClientsMeasurement> {
  const started = performance.now();
  const sizes = ["small", "large"] as const;
  const platformClients = {} as Record<"small" | "large", { clientId: string; secret: string }>;
  for (const key of sizes) {
    await useDataSet(db.uri, clientDataSets[key], LOW_COST);
    await seedThroughHandler(handlers, SETTINGS.smallOrganizations);
    if (key === "large") await seedClones(SETTINGS.largeOrganizations - SETTINGS.smallOrganizations);
    const client = await createPlatformClient({ name: `bench ${key}`, scopes: ["platform:read"] });
    platformClients[key] = { clientId: client.clientId, secret: client.secret.secret };
  }
  await closeDatabase();
  log("machine clients: a local server on each data set, in child processes");
  const servers: Partial<Record<"small" | "large", ChildServer>> = {};
  try {
    for (const key of sizes) {
      const server = await startChildServer("local-server.ts", childEnvFor(db.uri, clientDataSets[key]));
      children.push(server);
      servers[key] = server;
    }
    const runOn = (service: ChildServer) => ({
      service,
      connections: SETTINGS.clientsConcurrency,
      seconds: SETTINGS.loadSeconds,
      warmupSeconds: SETTINGS.loadWarmupSeconds,
      databaseDir: db.dataDir,
    });
    // The searches first, so that each meets a server that has served nothing but its own warm-up.
    const search = {} as ClientsMeasurement["search"];
    for (const key of sizes) {
      const server = servers[key]!;
      const { clientId, secret } = platformClients[key];
      const accessToken = await clientToken(server, clientId, secret);
      search[key] = await measurePlatformSearch({ ...runOn(server), token: accessToken, query: SEARCH_QUERY });
    }
    const token = await measureTokenEndpoint({ ...runOn(servers.small!), clients: SETTINGS.tokenClients, runId });
    return { token, search, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const server of Object.values(servers)) {
      children.splice(children.indexOf(server), 1);
      await server.stop();
    }
  }
}

/**
 * Section 3d: a local server in a child process on a data set of its own, with webhooks allowed to
 * loopback receivers; the feeds' events beyond what the API made are seeded through the driver.
 */
async function measureEventsSection(db: EmbeddedDatabase): Promise<EventsMeasurement> {
  await useDataSet(db.uri, eventsDataSet, LOW_COST);
  const server = await startChildServer("local-server.ts", {
    ...childEnvFor(db.uri, eventsDataSet),
    BCRYPT_COST: String(LOW_COST),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    MAX_PENDING_INVITATIONS: "10000",
  });
  children.push(server);
  try {
    return await measureEvents({
      service: server,
      seconds: SETTINGS.loadSeconds,
      warmupSeconds: SETTINGS.loadWarmupSeconds,
      connections: 8,
      seedFeed: seedEventFeed,
      appendEvents: appendBenchEvents,
      platformToken: async () => {
        const client = await createPlatformClient({
          name: "events bench",
          scopes: ["platform:read", "platform:write"],
        });
        return clientToken(server, client.clientId, client.secret.secret);
      },
    });
  } finally {
    children.splice(children.indexOf(server), 1);
    await server.stop();
  }
}

/** One `invitation.created` per email, appended as changes append them (core's events), all at once. */
async function appendBenchEvents(emails: readonly string[]): Promise<void> {
  const db = await database();
  const { ObjectId } = await loadMongo();
  const organization = await db.organizations.findOne({});
  const changes = await Promise.all(
    emails.map((email) =>
      beginChange(db, { type: "system" }, [
        {
          type: "invitation.created",
          organizationId: organization!._id,
          data: { invitation_id: new ObjectId().toHexString(), email, role: "member", invited_by: "bench" },
          proof: { kind: "gone", collection: "invitations", id: new ObjectId() },
        },
      ]),
    ),
  );
  await Promise.all(changes.map((change) => change.commit(db)));
}

/**
 * `count` events appended to an organization's feed through the driver, numbered after what both
 * feeds hold as the service numbers them (events/append.ts), with the heads moved past them.
 */
async function seedEventFeed(organizationId: string, count: number): Promise<void> {
  const { ObjectId } = await loadMongo();
  const db = await database();
  const [all, own] = await Promise.all([
    db.eventHeads.findOne({ _id: "all" }),
    db.eventHeads.findOne({ _id: organizationId }),
  ]);
  const organization = new ObjectId(organizationId);
  const at = new Date();
  for (let from = 0; from < count; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
      const seq = (all?.seq ?? 0) + from + i + 1;
      const orgSeq = (own?.seq ?? 0) + from + i + 1;
      return {
        _id: `evt_${new ObjectId().toHexString()}`,
        type: "organization.metadata_updated" as const,
        organization_id: organization,
        actor: { type: "system" as const },
        at,
        data: { changed: ["public_metadata"], public_metadata: { seeded: from + i }, private_metadata_keys: [] },
        seq,
        page: Math.floor(seq / 100),
        org_key: `${organizationId}:${orgSeq}`,
        org_seq: orgSeq,
        org_page: `${organizationId}:${Math.floor(orgSeq / 100)}`,
      };
    });
    await db.events.insertMany(batch);
  }
  await db.eventHeads.updateOne({ _id: "all" }, { $max: { seq: (all?.seq ?? 0) + count } }, { upsert: true });
  await db.eventHeads.updateOne({ _id: organizationId }, { $max: { seq: (own?.seq ?? 0) + count } }, { upsert: true });
}

function reportEvents({ latency, burst, feed }: EventsMeasurement): void {
  startSection(3.8);
  emit("## 3d. Events: webhook delivery and the feed");
  emit();
  emit(
    `A local server in a child process (its dispatcher in the process, as \`pnpm start\` runs it), three webhook receivers on loopback, each a platform endpoint (every organization's \`invitation.created\`). **Latency**: \`POST /org/invitations\` of 20 organizations in turn, sent at a fixed rate for ${latency[0] ? latency[0].sent / latency[0].rate : 0} s, from each request's start to each receiver's arrival of its event; a change the service refused (overloaded: 503 past its 10 s limit) is counted apart. **Dispatcher**: ${burst.events} \`invitation.created\` events appended at once through core in the benchmark's process (no request's cost), from the append to the last of their ${burst.events * 3} deliveries (the server's pass every 2 s finds them). **Feed**: \`GET /org/events?after=<n − 50>&limit=50\` (the last 50) at ${SETTINGS.loadSeconds} s after a ${SETTINGS.loadWarmupSeconds} s warm-up at 8 connections, on an organization with ${feed.small.events} events and one with ${feed.large.events} (seeded through the driver, numbered as the service numbers them).`,
  );
  emit();
  emit(
    table(
      ["changes/s sent", "made", "deliveries arrived", "change → delivery p50", "p99"],
      latency.map((run) => [
        String(run.rate),
        `${run.changes} of ${run.sent}`,
        `${run.changes * 3 - run.missing} of ${run.changes * 3}`,
        ms(run.p50, 1),
        ms(run.p99, 1),
      ]),
    ),
  );
  emit();
  emit(
    table(
      ["measure", "value"],
      [
        ["dispatcher: events/s (each to 3 receivers)", burst.eventsPerSecond.toFixed(0)],
        ["dispatcher: deliveries/s", burst.deliveriesPerSecond.toFixed(0)],
        [
          `feed tail at ${feed.small.events} events: req/s, p50`,
          `${feed.small.requestsPerSecond.toFixed(0)}, ${ms(feed.small.p50, 2)}`,
        ],
        [
          `feed tail at ${feed.large.events} events: req/s, p50`,
          `${feed.large.requestsPerSecond.toFixed(0)}, ${ms(feed.large.p50, 2)}`,
        ],
        [`feed p50, ${feed.large.events} vs ${feed.small.events}`, ratio(feed.large.p50 / feed.small.p50)],
      ],
    ),
  );
  emit();
}

/**
 * Section 3e: a local server in a child process on a data set of its own (archives kept under the
 * run's directory, removed with it); one organization signed up over HTTP, its tenant collection
 * found and seeded through core's client in this process; restored, when the HTTP restore runs
 * out of its time limit, by core's `restoreArchive` here.
 */
async function measureArchivesSection(db: EmbeddedDatabase): Promise<ArchivesMeasurement> {
  await useDataSet(db.uri, archivesDataSet, LOW_COST);
  const server = await startChildServer("local-server.ts", {
    ...childEnvFor(db.uri, archivesDataSet),
    BCRYPT_COST: String(LOW_COST),
    EXPORTS_DIR: path.join(outDir, "archives"),
  });
  children.push(server);
  try {
    const organizationBySlug = async (name: string) =>
      (await database()).organizations.findOne({ slug: slugify(name) });
    return await measureArchives({
      service: server,
      documents: SETTINGS.archiveDocuments,
      workDir: outDir,
      tenantCollection: async (name) => {
        const organization = await organizationBySlug(name);
        if (!organization) throw new Error(`no organization ${name}`);
        return (await tenantDatabaseAt(placementOf(organization))).collection(organization.collection_name);
      },
      platformToken: async () => {
        const client = await createPlatformClient({
          name: "archives bench",
          scopes: ["platform:read", "platform:write"],
        });
        return clientToken(server, client.clientId, client.secret.secret);
      },
      restoreInProcess: async (file, organizationName) =>
        (await restoreArchive(createReadStream(file), { organizationName })).documents,
    });
  } finally {
    children.splice(children.indexOf(server), 1);
    await server.stop();
    await closeDatabase();
  }
}

function reportArchives(measured: ArchivesMeasurement): void {
  const { documents, export: exported, download, restore } = measured;
  startSection(3.9);
  const count = documents.toLocaleString("en");
  const per10k = (seconds: number) => `${((seconds * 10_000) / documents).toFixed(2)} s`;
  const exportGrowth = growthMb(exported);
  emit("## 3e. Export and restore");
  emit();
  emit(
    `A local server in a child process (exports run in its own process, archives kept in a directory), one organization signed up over HTTP and its tenant collection seeded with ${count} documents of about 500 bytes (strings, numbers, a nested object, an array, a date) through the driver in batches of 1,000 (${measured.seedSeconds.toFixed(1)} s). **Export**: \`POST /org/exports\` with the owner's token, then \`GET /org/exports/{id}\` every 100 ms until completed; the server's RSS (VmRSS of its process in /proc) read right before and at every poll. A first export of the organization while still empty ran before, so that the modules an export loads are in the "before" figure. The archive was downloaded through its \`download_url\` (${mb(download.bytes)} in ${download.seconds.toFixed(1)} s) and its SHA-256 found equal to the export's. **Restore**: the organization deleted (\`DELETE /org/delete\`), then restored from \`{export_id}\` by a platform client (\`POST /platform/organizations/restore\`, platform:write)${
      restore.where === "http"
        ? ", timed to its answer, the server's RSS sampled every 100 ms meanwhile."
        : `: over HTTP it would have outlasted the route's 29 s limit, so the function stopped before its deadline and undid it (413 after ${restore.httpRefused!.answeredSeconds.toFixed(1)} s: "${restore.httpRefused!.detail}"), so the figures below are of the restore in the benchmark's process instead, as \`pnpm tenants restore\` runs it: core's \`restoreArchive\` on the downloaded file, this process's RSS sampled every 100 ms.`
    }`,
  );
  emit();
  emit(
    table(
      ["measure", "export", "restore"],
      [
        ["documents", count, restore.documents.toLocaleString("en")],
        [
          "where",
          "the server (over HTTP)",
          restore.where === "http" ? "the server (over HTTP)" : "the benchmark's process",
        ],
        [
          "seconds",
          `${exported.seconds.toFixed(1)} s (the record's own: ${exported.serverSeconds.toFixed(1)} s)`,
          `${restore.seconds.toFixed(1)} s`,
        ],
        ["seconds per 10,000 documents", per10k(exported.seconds), per10k(restore.seconds)],
        ["RSS before", mb(exported.rssBefore), mb(restore.rssBefore)],
        ["peak RSS", mb(exported.rssPeak), mb(restore.rssPeak)],
        [
          "growth (peak − before)",
          `${mb(exported.rssPeak - exported.rssBefore)} (${exported.samples} samples)`,
          `${mb(restore.rssPeak - restore.rssBefore)} (${restore.samples} samples)`,
        ],
        ["archive", `${mb(exported.bytes)}, SHA-256 ${exported.sha256.slice(0, 16)}…`, ""],
      ],
    ),
  );
  emit();
  targets.push({
    name: `export of a ${count}-document tenant${documents === 100_000 ? "" : " (BENCH_QUICK; the target's is 100,000)"}: service RSS growth < ${EXPORT_RSS_GROWTH_MB} MB`,
    measured: Number.isFinite(exportGrowth) ? exportGrowth : Number.POSITIVE_INFINITY,
    limit: EXPORT_RSS_GROWTH_MB,
    detail: Number.isFinite(exportGrowth)
      ? `${exportGrowth.toFixed(1)} MB (${mb(exported.rssBefore)} → ${mb(exported.rssPeak)})`
      : "n/a (no /proc to read the RSS from)",
  });
  targets.push({
    name: "… export: time per 10,000 documents",
    measured: exported.seconds,
    limit: Number.POSITIVE_INFINITY,
    detail: `${per10k(exported.seconds)} (${exported.seconds.toFixed(1)} s for ${count})`,
    informational: true,
  });
  targets.push({
    name: `… restore${restore.where === "http" ? "" : " (in the benchmark's process)"}: time per 10,000 documents`,
    measured: restore.seconds,
    limit: Number.POSITIVE_INFINITY,
    detail: `${per10k(restore.seconds)} (${restore.seconds.toFixed(1)} s for ${restore.documents.toLocaleString("en")})`,
    informational: true,
  });
}

/**
 * When the benchmark runs on an embedded FerretDB, section 5 once more on FerretDB's other
 * storage, in a server of its own that is stopped afterwards. Undefined for other databases, or
 * when that storage cannot start here (logged).
 */
async function measureOtherStorage(kind: EmbeddedDatabaseKind, handlers: Handlers): Promise<MeasuredScale | undefined> {
  const other = { "ferretdb-postgres": "ferretdb-sqlite", "ferretdb-sqlite": "ferretdb-postgres" }[kind as string];
  if (!other) return undefined;
  const { MONGODB_URI: _, ...env } = process.env;
  try {
    comparison = await startEmbeddedDatabase({
      env: { ...env, EMBEDDED_DB: other },
      log: (line) => log(`[embedded-db] ${line}`),
    });
  } catch (error) {
    log(`no comparison with ${other}: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
  try {
    log(`latency against data size, once more on ${comparison.description}`);
    const label = databaseLabel(comparison);
    return { label, scale: await measureScale(comparison.uri, handlers, label) };
  } finally {
    await comparison.stop();
    comparison = undefined;
  }
}

/** "FerretDB v1.24.2 on PostgreSQL 18.4 (…)" without the address, or what MONGODB_URI is. */
function databaseLabel(db: EmbeddedDatabase): string {
  return db.kind === "external" ? "the MONGODB_URI server" : db.description.replace(/ at mongodb:\/\/\S+$/, "");
}

function organizationNames(key: "small" | "large"): string[] {
  const probes = Array.from({ length: SETTINGS.smallOrganizations }, (_, i) => probeName(i));
  if (key === "small") return probes;
  const fillers = Array.from({ length: SETTINGS.largeOrganizations - SETTINGS.smallOrganizations }, (_, i) =>
    fillerName(SETTINGS.smallOrganizations + i),
  );
  return [...probes, ...fillers];
}

function fillerName(n: number): string {
  return `Filler Org ${String(n).padStart(5, "0")}`;
}

async function seedThroughHandler(handlers: Handlers, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expectStatus(await invoke(handlers.create, createRequest(probeName(i), probeEmail(i), PASSWORD)), 201, "seed");
  }
}

/**
 * Clones of a real organization, its owner and membership (so the shape follows the code), with
 * their tenant collections. With `placements`, the clones take them in turn and each collection is
 * created where its record places it; otherwise they keep the template's placement.
 */
async function seedClones(count: number, placements?: readonly PlacementDocument[]): Promise<void> {
  const { ObjectId } = await loadMongo();
  const db = await database();
  const template = await db.organizations.findOne({});
  const adminTemplate = template && (await db.users.findOne({ _id: template.admin_id }));
  const membershipTemplate = template && (await db.memberships.findOne({ organization_id: template._id }));
  if (!template || !adminTemplate || !membershipTemplate) throw new Error("no organization to clone");
  log(`seeding ${count} more organizations through the driver`);
  const t = performance.now();
  for (let offset = 0; offset < count; offset += 1000) {
    const organizations = [];
    const admins = [];
    const memberships = [];
    for (let i = offset; i < Math.min(count, offset + 1000); i++) {
      const n = SETTINGS.smallOrganizations + i;
      const slug = fillerName(n).toLowerCase().replaceAll(" ", "_");
      const organizationId = new ObjectId();
      const adminId = new ObjectId();
      organizations.push({
        ...template,
        _id: organizationId,
        admin_id: adminId,
        name: fillerName(n),
        slug,
        collection_name: `org_${slug}`,
        ...(placements && { placement: placements[i % placements.length]! }),
      });
      admins.push({ ...adminTemplate, _id: adminId, email: `filler${n}@bench.example` });
      memberships.push({
        ...membershipTemplate,
        _id: `${organizationId.toHexString()}:${adminId.toHexString()}`,
        organization_id: organizationId,
        user_id: adminId,
        email: `filler${n}@bench.example`,
      });
    }
    await db.organizations.insertMany(organizations, { ordered: false });
    await db.organizationSearch.insertMany(
      organizations.map(({ _id, name, slug }) => ({ _id, prefixes: searchPrefixesOf({ name, slug }) })),
      { ordered: false },
    );
    await db.users.insertMany(admins, { ordered: false });
    await db.memberships.insertMany(memberships, { ordered: false });
  }
  const spread = placements ?? [placementOf(template)];
  const pools = await Promise.all(spread.map((placement) => tenantDatabaseAt(placement)));
  const collections = Array.from({ length: count }, (_, i) => ({
    pool: pools[i % pools.length]!,
    name: `org_${fillerName(SETTINGS.smallOrganizations + i)
      .toLowerCase()
      .replaceAll(" ", "_")}`,
  }));
  for (let i = 0; i < collections.length; i += 16) {
    await Promise.all(collections.slice(i, i + 16).map(({ pool, name }) => pool.createCollection(name)));
  }
  log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

async function describeMachine(db: EmbeddedDatabase): Promise<string[][]> {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]+)"?/m)?.[1];
    if (pretty) osName = `${pretty} (${osName})`;
  } catch {
    // Not Linux: the kernel name is enough.
  }
  const { MongoClient } = await loadMongo();
  const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 10_000 });
  let dbVersion = "unknown";
  try {
    const info = await client.db("admin").command({ buildInfo: 1 });
    dbVersion =
      db.kind === "external"
        ? info.ferretdbVersion
          ? `FerretDB ${info.ferretdbVersion} (reports MongoDB ${info.version})`
          : `MongoDB ${info.version}`
        : `${databaseLabel(db)}${info.ferretdbVersion ? ` (reports MongoDB ${info.version})` : ""}`;
  } finally {
    await client.close();
  }
  return [
    [
      "CPU",
      `${cpus[0]?.model ?? "unknown"}, ${cpus.length} logical cores (os.availableParallelism ${os.availableParallelism()})`,
    ],
    ["Memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", osName],
    ["Node.js", `${process.version} (Lambda runs nodejs22.x on arm64: absolute figures differ)`],
    ["Database", `${db.kind === "external" ? "MONGODB_URI" : `embedded (${db.kind})`}: ${dbVersion}, on this machine`],
    [
      "Load average at start",
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")} (1, 5, 15 min; other processes on the machine skew every figure)`,
    ],
    ["bcrypt cost", `${CONFIGURED_COST} (BCRYPT_COST; bcryptjs, pure JavaScript)`],
    ["esbuild", `${esbuildVersion} (SST 2.49.8's), deployment options from infra/functions.ts`],
  ];
}

function reportBundles(
  bundles: BundleMeasurement[],
  failed: { name: string; error: string }[],
  naive: BundleMeasurement,
  sourceMaps: { plain: BundleMeasurement; withSourceMaps: BundleMeasurement } | undefined,
): void {
  const naiveInit = naive.init!;
  startSection(1);
  emit(`## 1. Cold start: bundle size and module init`);
  emit();
  emit(
    `Each handler bundled with the deployment's esbuild options (minified ESM, node22, code splitting, the optional MongoDB modules external, SST's ESM banner). ` +
      `"static" = the entry chunk and the chunks it imports statically (what a cold start loads); "lazy" = chunks behind a dynamic import (the SSM client). ` +
      `Init = \`await import(bundle)\` in a fresh \`node\` process, median of ${naiveInit.runs} runs; "ready" = time from process start to the import resolving; "wall" = spawn to exit. ` +
      `Naive baseline: one bundle importing and keeping the whole of every package core and functions depend on at run time (${naiveDependencies().join(", ")}; not \`sst\`, whose config import fetches secrets, nor \`swagger-ui-dist\`, served as text), as published (the driver's CommonJS build and its \`whatwg-url\`), without the deployment's size work.`,
  );
  emit();
  const rows = [...bundles, naive].map((b) => [
    b === naive ? "**naive baseline**" : b.name,
    kb(b.staticBytes),
    kb(b.staticGzipBytes),
    kb(b.lazyBytes),
    ratio(b.staticBytes / naive.staticBytes),
    ms(b.init!.importMs),
    ms(b.init!.sinceStartMs),
    ms(b.init!.wallMs),
    ratio(b.init!.importMs / naiveInit.importMs),
  ]);
  for (const f of failed) rows.push([f.name, `build failed: ${f.error}`, "", "", "", "", "", "", ""]);
  emit(
    table(
      ["handler", "static JS", "gzip", "lazy JS", "size / naive", "init (import)", "ready", "wall", "init / naive"],
      rows,
    ),
  );
  emit();
  if (sourceMaps) {
    const [plain, mapped] = [sourceMaps.plain.init!.importMs, sourceMaps.withSourceMaps.init!.importMs];
    emit(
      `Stack traces: the functions are not started with \`--enable-source-maps\`, which makes Node read and index a bundle's source maps at import. ` +
        `With it, ${sourceMaps.plain.name}'s init is ${ms(mapped)} instead of ${ms(plain)} (+${ms(mapped - plain)}). ` +
        `The logger maps an unexpected error's stack when it writes it instead.`,
    );
    emit();
  }
  emit(`Where the bytes come from (largest packages in the static part, bytes in the minified output):`);
  emit();
  const sample = ["openid-configuration", "get-organization", "login"]
    .map((name) => bundles.find((b) => b.name === name))
    .filter((b) => b !== undefined);
  emit(
    table(
      ["handler", "largest inputs"],
      [...sample, naive].map((b) => [
        b.name,
        topPackages(b)
          .map((p) => `${p.name} ${kb(p.bytes)}`)
          .join(", "),
      ]),
    ),
  );
  emit();
  const worstSize = Math.max(...bundles.map((b) => b.staticBytes / naive.staticBytes));
  const worstInit = Math.max(...bundles.map((b) => b.init!.importMs / naiveInit.importMs));
  const bestSize = Math.min(...bundles.map((b) => b.staticBytes / naive.staticBytes));
  targets.push({
    name: "bundle size ≤ 0.5× naive (every handler)",
    measured: worstSize,
    limit: 0.5,
    detail: `worst ${ratio(worstSize)}, best ${ratio(bestSize)}`,
  });
  targets.push({
    name: "module init ≤ 0.5× naive (every handler)",
    measured: worstInit,
    limit: 0.5,
    detail: `worst ${ratio(worstInit)}`,
  });
  if (failed.length > 0)
    targets.push({
      name: "every handler bundles",
      measured: failed.length,
      limit: 0,
      detail: `${failed.length} failed`,
    });
}

function latencyRow(label: string, samples: number[], note = ""): string[] {
  const failed = failures(samples);
  const said = failed > 0 ? `${note}${note ? "; " : ""}${failed} of ${samples.length} failed or timed out` : note;
  return [label, String(samples.length), ms(percentile(samples, 50)), ms(percentile(samples, 99)), said];
}

/**
 * A target on the ratio of two sets of timed calls' p50s; a MISS, said as such, when any of their
 * calls failed or timed out: the figures of the calls that happened to succeed prove nothing.
 */
function medianRatioTarget(
  name: string,
  measured: readonly number[],
  against: readonly number[],
  limit: number,
): Target {
  const failed = failures(measured, against);
  if (failed > 0)
    return {
      name,
      measured: Number.POSITIVE_INFINITY,
      limit,
      detail: `${failed} of ${measured.length + against.length} calls failed or timed out`,
    };
  const [a, b] = [median(measured), median(against)];
  return { name, measured: a / b, limit, detail: `${ms(a, 2)} vs ${ms(b, 2)}` };
}

function reportWarm(
  scale: Record<"small" | "large", { get: number[]; create: number[] }>,
  perCost: Map<number, { login: number[]; compare: number[] }>,
  createConfigured: number[],
): void {
  startSection(2);
  emit(`## 2. Warm handler latency (in process)`);
  emit();
  emit(
    `The handler modules called directly with API Gateway payload v2 events (as the local server and Lambda do), after warm-up invocations, against the ${dataSets.small.label} data set. p99 of few samples is close to the maximum.`,
  );
  emit();
  const costRun = perCost.get(CONFIGURED_COST)!;
  emit(
    table(
      ["handler", "n", "p50", "p99", "note"],
      [
        latencyRow("GET /org/get", scale.small.get, "one organization by name"),
        latencyRow("POST /admin/login", costRun.login, `admin hashed at cost ${CONFIGURED_COST}`),
        latencyRow("POST /org/create", createConfigured, `hashes at cost ${CONFIGURED_COST}`),
        latencyRow("POST /org/create", scale.small.create, `hashes at cost ${LOW_COST}: the database work alone`),
      ],
    ),
  );
  emit();
  const loginP50 = percentile(costRun.login, 50);
  const compareP50 = percentile(costRun.compare, 50);
  const name = `login p50 ≤ 1.1× one bcrypt comparison (cost ${CONFIGURED_COST})`;
  targets.push(
    failures(costRun.login) > 0
      ? medianRatioTarget(name, costRun.login, costRun.compare, 1.1)
      : {
          name,
          measured: loginP50 / compareP50,
          limit: 1.1,
          detail: `${ms(loginP50)} vs ${ms(compareP50)}: ${ratio(loginP50 / compareP50)}, i.e. ${ms(loginP50 - compareP50)} besides bcrypt`,
        },
  );
}

function reportAuthenticationReads(reads: AuthenticationReads): void {
  startSection(2);
  emit(
    `Every authenticated request checks that its token is still current — its session (not ended, not revoked), and through the session's mirror the membership's role and grant and the user's credentials version — with ${reads.commands.length} database command${reads.commands.length === 1 ? "" : "s"} (\`${reads.commands.join("`, `")}\`): p50 ${ms(medianOf(reads.samples))} for the whole check, signature included (${reads.samples.length} runs). Before sessions it read the membership by \`_id\` instead, also one command: that read alone takes p50 ${ms(medianOf(reads.membershipReadSamples))} here, on the same client and data.`,
  );
  emit();
  targets.push({
    name: "revocation checks per authenticated request ≤ 1 read by primary key",
    measured: reads.commands.length,
    limit: 1,
    detail: reads.commands.join("; "),
  });
}

function reportCosts(perCost: Map<number, { login: number[]; compare: number[] }>): void {
  startSection(4);
  emit(`## 4. Login against bcrypt cost`);
  emit();
  emit(`Login (the handler, warm) beside one \`bcryptjs.compare\` of the same password at the same cost, interleaved.`);
  emit();
  emit(
    table(
      ["cost", "n", "bcrypt compare p50", "login p50", "login p99", "login / compare", "login − compare"],
      [...perCost.entries()].map(([cost, { login, compare }]) => [
        String(cost) + (cost === CONFIGURED_COST ? " (configured)" : ""),
        String(login.length),
        ms(median(compare)),
        ms(median(login)),
        ms(percentile(login, 99)),
        ratio(median(login) / median(compare)),
        ms(median(login) - median(compare)),
      ]),
    ),
  );
  emit();
}

interface Scale {
  get: number[];
  create: number[];
  /** The bare driver's `findOne` that get makes. */
  findOne: number[];
  /** The bare driver's `createCollection` that create makes. */
  createCollection: number[];
  /** Create's record written with its pending marker, then the marker cleared (`_id` and marker as the filter). */
  markerUpdate: number[];
}

function emptyScale(): Scale {
  return { get: [], create: [], findOne: [], createCollection: [], markerUpdate: [] };
}

interface MeasuredScale {
  /** The server, e.g. "FerretDB v1.24.2 on PostgreSQL 18.4 (…)". */
  readonly label: string;
  readonly scale: Record<"small" | "large", Scale>;
}

function reportScale(primary: MeasuredScale, other: MeasuredScale | undefined): void {
  startSection(5);
  emit(`## 5. Latency against data size`);
  emit();
  emit(
    `The same handlers on a database with ${dataSets.small.label} and with ${dataSets.large.label} (each with its admin and tenant collection), in alternating passes; get looks up names spread over the whole data set. Create hashes at cost ${LOW_COST} here so that the database work is what is compared; each create adds an organization (${SETTINGS.createSamplesLowCost} + warm-ups per data set). Under each operation, database calls it makes, alone, through the service's client in the same passes: how much of the growth is the database's own.`,
  );
  emit();
  emit(`On ${primary.label} (the database of every other section):`);
  emit();
  emit(scaleTable(primary.scale));
  emit();
  for (const op of ["get", "create"] as const) {
    targets.push(
      medianRatioTarget(
        `${op} p50 with ${SETTINGS.largeOrganizations} orgs ≤ 1.2× with ${SETTINGS.smallOrganizations}`,
        primary.scale.large[op],
        primary.scale.small[op],
        1.2,
      ),
    );
  }
  if (!other) return;
  emit(`The same, right after, on ${other.label}, started for this comparison:`);
  emit();
  emit(scaleTable(other.scale));
  emit();
  emit(`Side by side (p50):`);
  emit();
  const names = [primary.label, other.label].map((label) => label.replace(/ \(.*\)$/, ""));
  emit(
    table(
      [
        "operation",
        ...names.flatMap((name) => [
          `${name}, ${SETTINGS.smallOrganizations}`,
          `${name}, ${SETTINGS.largeOrganizations}`,
          "ratio",
        ]),
      ],
      (["get", "findOne", "create", "markerUpdate"] as const).map((op) => [
        scaleLabel(op),
        ...[primary, other].flatMap(({ scale }) => {
          const small = median(scale.small[op]);
          const large = median(scale.large[op]);
          return [ms(small, 2), ms(large, 2), ratio(ratioOf(large, small))];
        }),
      ]),
    ),
  );
  emit();
}

// A function, not a constant: main() runs (top-level await) before the constants below it exist.
function scaleLabel(op: keyof Scale): string {
  return {
    get: "GET /org/get",
    findOne: "… its `findOne` alone (bare driver)",
    create: "POST /org/create",
    createCollection: "… its `createCollection` alone (bare driver)",
    markerUpdate: "… its record inserted, then its marker cleared (`updateOne` by `_id` and marker)",
  }[op];
}

function scaleTable(scale: Record<"small" | "large", Scale>): string {
  const rows = (["get", "findOne", "create", "createCollection", "markerUpdate"] as const).map((op) => {
    const small = median(scale.small[op]);
    const large = median(scale.large[op]);
    return [
      scaleLabel(op),
      ms(small, 2),
      ms(percentile(scale.small[op], 99), 2),
      ms(large, 2),
      ms(percentile(scale.large[op], 99), 2),
      ratio(ratioOf(large, small)),
    ];
  });
  return table(
    [
      "operation",
      `p50 (${SETTINGS.smallOrganizations})`,
      `p99 (${SETTINGS.smallOrganizations})`,
      `p50 (${SETTINGS.largeOrganizations})`,
      `p99 (${SETTINGS.largeOrganizations})`,
      "p50 ratio",
    ],
    rows,
  );
}

function reportCells({ labels, samples, spread }: CellsMeasurement): void {
  startSection(5.5);
  emit(`## 5b. Create and get over one cell and over two`);
  emit();
  emit(
    `As section 5 (create at cost ${LOW_COST}, get by names spread over the data set, ${SETTINGS.getSamples} gets and ${SETTINGS.createSamplesLowCost} creates per data set in two alternating passes, each create adding an organization), on four data sets whose master registry is on ${labels.a}: every tenant in one cell (the default cell, as in section 5), or the tenants spread over two cells (TENANT_CELLS), "a" on that server and "b" on a second ${labels.b} started for this section, each with a budget of ${CELL_BUDGET.toLocaleString("en")} namespaces. The ${SETTINGS.largeOrganizations} organizations were ${spread.large} after seeding; the ${SETTINGS.smallOrganizations}, ${spread.small}. With two cells a create chooses its cell from the cells' usage summed over the whole registry (\`cellUsage\`: two aggregations and a count on \`organizations\`), which a container reuses for up to 10 s while the chosen cell has room to spare; with one cell without a budget nothing is summed. That sum alone, through the service's client, is the third operation: what the first create of a container (or of a 10 s window) pays on top.`,
  );
  emit();
  const rows = (["get", "create", "usage"] as const).flatMap((op) =>
    (["small", "large"] as const).map((key) => {
      const one = samples.one[key][op];
      const two = samples.two[key][op];
      return [
        { get: "GET /org/get", create: "POST /org/create", usage: "… the `cellUsage` sum alone" }[op],
        String(key === "small" ? SETTINGS.smallOrganizations : SETTINGS.largeOrganizations),
        String(one.length),
        ms(percentile(one, 50), 2),
        ms(percentile(one, 95), 2),
        ms(percentile(two, 50), 2),
        ms(percentile(two, 95), 2),
        ratio(ratioOf(percentile(two, 50), percentile(one, 50))),
      ];
    }),
  );
  emit(
    table(
      [
        "operation",
        "organizations",
        "n",
        "one cell p50",
        "one cell p95",
        "two cells p50",
        "two cells p95",
        "p50 two / one",
      ],
      rows,
    ),
  );
  emit();
  const growth = (layout: CellLayout, op: "get" | "create" | "usage") =>
    ratio(ratioOf(percentile(samples[layout].large[op], 50), percentile(samples[layout].small[op], 50)));
  emit(
    `p50 at ${SETTINGS.largeOrganizations} over p50 at ${SETTINGS.smallOrganizations}: get ${growth("one", "get")} in one cell, ${growth("two", "get")} in two; create ${growth("one", "create")} and ${growth("two", "create")}; \`cellUsage\` ${growth("one", "usage")} and ${growth("two", "usage")}.`,
  );
  emit();
}

function reportLoad(results: { connections: number; service: LoadResult; floor: LoadResult }[]): void {
  startSection(3);
  emit(`## 3. GET /org/get over HTTP under load`);
  emit();
  emit(
    `autocannon (in the benchmark process) for ${SETTINGS.loadSeconds} s per run after a ${SETTINGS.loadWarmupSeconds} s warm-up, against the local server (\`startLocalServer\`: routing, API Gateway event, the handler) and against the floor (bare \`node:http\` + the same \`findOne\` by slug with the same projection and driver pool), each in its own child process, ${dataSets.small.label}. Latency percentiles from every response's exact time. **CPU per request**: the server process's own CPU time (user + system, \`process.cpuUsage()\`) over the timed run, divided by the requests it answered — what the service's code costs beside the floor's, whatever else the machine is doing; and the database's (FerretDB and PostgreSQL, their processes' times from /proc) during the same run.`,
  );
  emit();
  emit(
    table(
      [
        "connections",
        "service req/s",
        "service p50",
        "service p99",
        "floor req/s",
        "floor p50",
        "floor p99",
        "p50 service / floor",
        "CPU/request: service / floor",
        "database CPU/request: service's run / floor's",
      ],
      results.map(({ connections, service, floor }) => [
        `${connections}${failureNote(service, floor)}`,
        service.requestsPerSecond.toFixed(0),
        ms(service.p50, 2),
        ms(service.p99, 2),
        floor.requestsPerSecond.toFixed(0),
        ms(floor.p50, 2),
        ms(floor.p99, 2),
        ratio(service.p50 / floor.p50),
        `${cpuMs(service.cpuMsPerRequest)} / ${cpuMs(floor.cpuMsPerRequest)}`,
        `${cpuMs(service.databaseCpuMsPerRequest)} / ${cpuMs(floor.databaseCpuMsPerRequest)}`,
      ]),
    ),
  );
  emit();
  const at16 = results.find((r) => r.connections === 16);
  if (at16) {
    targets.push(
      ratioTarget("GET p50 at 16 connections ≤ 1.3× the floor", at16.service, at16.floor, 1.3, (r) => r.p50),
    );
  }
}

/** "0.123 ms" of CPU, or n/a where it was not measured. */
function cpuMs(value: number | undefined): string {
  return value === undefined ? "n/a" : `${value.toFixed(3)} ms`;
}

/** " (failed: …)" for runs some of whose requests failed or timed out; their figures are not to be trusted. */
function failureNote(...results: LoadResult[]): string {
  const failed = results.filter((result) => failedRequests(result) > 0);
  if (failed.length === 0) return "";
  return ` (failed: ${failed.map((r) => `${r.non2xx} not 2xx, ${r.errors} errors or timeouts`).join("; ")})`;
}

/**
 * A target on the ratio of two runs' figures: a MISS, said as such, when either run had failed or
 * unanswered requests (its figures describe what did get through, not the service).
 */
function ratioTarget(
  name: string,
  measured: LoadResult,
  against: LoadResult,
  limit: number,
  figure: (result: LoadResult) => number,
): Target {
  const failure = failureNote(measured, against);
  const value = figure(measured) / figure(against);
  if (failure || measured.total === 0) {
    return {
      name,
      measured: Number.POSITIVE_INFINITY,
      limit,
      detail: `requests failed${failure || " (none answered)"}`,
    };
  }
  return {
    name,
    measured: value,
    limit,
    detail: `${ms(figure(measured), 2)} vs ${ms(figure(against), 2)} (${ratio(value)})`,
  };
}

function reportClients({ token, search, seconds }: ClientsMeasurement): void {
  startSection(3.7);
  const at = SETTINGS.clientsConcurrency;
  const [small, large] = [SETTINGS.smallOrganizations, SETTINGS.largeOrganizations];
  emit(`## 3c. Machine clients: the token endpoint and the platform search`);
  emit();
  emit(
    `autocannon at ${at} connections for ${SETTINGS.loadSeconds} s after a ${SETTINGS.loadWarmupSeconds} s warm-up, against the local server in a child process, as in section 3, on data sets of this section's own. **Token endpoint**: \`POST /oauth/token\` with \`grant_type=client_credentials\` as a form and the client's id and secret in Basic authentication, for ${SETTINGS.tokenClients} client${SETTINGS.tokenClients === 1 ? "" : "s"} of one organization made through the API (\`POST /org/create\`, \`POST /admin/login\`, \`POST /org/clients\` with scope data:read)${SETTINGS.tokenClients === 1 ? "" : ", taking the requests in turn"}, only right secrets. Each request counts an attempt in the credential throttle (an insert and reads of the window), reads the client and its secrets, compares the secret (SHA-256), takes the attempt back, signs an RS256 token and records the secret's use. An attempt counts as a failure until its secret is found right, so the requests in flight count against the throttle's limits: spread over clients, each client has about one in flight; all come from one address, whose limit (LOGIN_MAX_FAILURES_PER_IP, 20 by default) is above the ${at} in flight. **Platform search**: \`GET /platform/organizations?query=${SEARCH_QUERY}\` with a platform client's token (core's \`createPlatformClient\`, then the token endpoint), on a registry of ${small} and one of ${large} organizations (seeded as in section 5), where it finds ${search.small.found} and ${search.large.found} organizations (the ones seeded through the handler): the same work but for the registry's size. Each answer counts every found organization's members, and every search is audited.`,
  );
  emit();
  const cpu = (result: LoadResult) => `${cpuMs(result.cpuMsPerRequest)} / ${cpuMs(result.databaseCpuMsPerRequest)}`;
  emit(
    table(
      ["operation", "organizations", "req/s", "p50", "p99", "CPU/request: service / database"],
      (
        [
          ["POST /oauth/token (client credentials)", `${small} (+ its own)`, token],
          [`GET /platform/organizations?query=${SEARCH_QUERY}`, String(small), search.small.result],
          [`GET /platform/organizations?query=${SEARCH_QUERY}`, String(large), search.large.result],
        ] as const
      ).map(([label, organizations, run]) => [
        `${label}${failureNote(run)}`,
        organizations,
        run.requestsPerSecond.toFixed(0),
        ms(run.p50, 2),
        ms(run.p99, 2),
        cpu(run),
      ]),
    ),
  );
  emit();
  const growth = search.large.result.p50 / search.small.result.p50;
  emit(
    `Platform search p50 at ${large} organizations over ${small}: ${ratio(growth)} (target ≤ 1.2×); req/s ${ratio(search.large.result.requestsPerSecond / search.small.result.requestsPerSecond)}. Section time ${seconds.toFixed(0)} s, seeding and server starts included.`,
  );
  emit();
  targets.push(
    ratioTarget(
      `platform search p50 at ${at} connections, ${large} orgs ≤ 1.2× ${small}`,
      search.large.result,
      search.small.result,
      1.2,
      (result) => result.p50,
    ),
  );
}

function reportDataLoad(results: readonly DataLoadResult[], sizes: readonly TenantSizeResult[]): void {
  startSection(3.5);
  emit(`## 3b. The document API over HTTP under load`);
  emit();
  emit(
    `autocannon on one organization's collection (${DATA_SEEDED} documents seeded, an index on \`group\`, 50 values of it), at one connection for ${SETTINGS.dataOneAtATimeSeconds} s (a request's latency on an idle service) and then at ${SETTINGS.dataConcurrency} connections for ${SETTINGS.loadSeconds} s, each run after a ${SETTINGS.loadWarmupSeconds} s warm-up. Insert: \`POST /org/data/documents\` with a small JSON body and a new \`_id\` per request; get by id: \`GET /org/data/documents/{id}\`; filtered list: \`GET /org/data/documents?filter={"group":…}&limit=${DATA_LIST_LIMIT}\` (${DATA_SEEDED / 50} documents match). The inserts stay in the collection, so get and list run on a larger one: "documents" is its size when each operation began; the inserted documents have groups of their own, so the list's filter keeps matching the same ${DATA_SEEDED / 50} (on FerretDB a list costs as many documents as its filter matches: it sorts and limits after fetching them all). The floor (bare \`node:http\`, same process setup) makes the same driver call on the same collection — \`insertOne\`, \`findOne\` by \`_id\`, \`find\` by the filter in \`_id\` order — and nothing else. **The service's figures include its own work the floor does not do**: verifying the bearer token (RS256, twice: the local server's authorizer and the function), the session read of authentication and the organization read that picks the collection (sent together), the document checks, and for an insert the quota check (a count and \`collStats\`, reused for up to 2 s while the tenant is far from its quotas).`,
  );
  emit();
  emit(
    `**"floor with reads"** is the floor route making, before the same driver call, the two reads the service makes (the session by \`_id\` and the organization by \`_id\`, sent together, with the service's filters and projections): the service's database work without its code. The service against it is what the service's own code costs.`,
  );
  emit();
  const perSecond = (result: LoadResult) => `${ms(result.p50, 2)} (${result.requestsPerSecond.toFixed(0)}/s)`;
  emit(
    table(
      [
        "operation",
        "documents",
        "one at a time p50: service / floor with reads / floor",
        `at ${SETTINGS.dataConcurrency}: service p50 (req/s)`,
        "floor with reads p50 (req/s)",
        "floor p50 (req/s)",
        "service p99",
        "service / floor",
        "service / floor with reads",
        "floor with reads / floor",
        "CPU/request: service / floor with reads / floor",
      ],
      results.map(({ operation, documents, service, floor, floorWithReads, oneAtATime }) => [
        `${operation}${failureNote(service, floor, floorWithReads, ...Object.values(oneAtATime))}`,
        String(documents),
        `${ms(oneAtATime.service.p50, 2)} / ${ms(oneAtATime.floorWithReads.p50, 2)} / ${ms(oneAtATime.floor.p50, 2)}`,
        perSecond(service),
        perSecond(floorWithReads),
        perSecond(floor),
        ms(service.p99, 2),
        ratio(service.p50 / floor.p50),
        ratio(service.p50 / floorWithReads.p50),
        ratio(floorWithReads.p50 / floor.p50),
        `${cpuMs(service.cpuMsPerRequest)} / ${cpuMs(floorWithReads.cpuMsPerRequest)} / ${cpuMs(floor.cpuMsPerRequest)}`,
      ]),
    ),
  );
  emit();
  emit(
    `A run in which no request of the service's was answered (0 req/s) reads n/a: its requests were still in flight when the run ended.`,
  );
  emit();
  emit(
    `A document by \`_id\` (\`GET /org/data/documents/{id}\`, one in the middle of the collection) on a tenant of ${TENANT_SIZES.small.toLocaleString("en")} documents and on one of ${TENANT_SIZES.large.toLocaleString("en")}, seeded through the driver, the same runs as above, but in two passes per tenant, in the order ${TENANT_SIZES.small.toLocaleString("en")}, ${TENANT_SIZES.large.toLocaleString("en")}, ${TENANT_SIZES.large.toLocaleString("en")}, ${TENANT_SIZES.small.toLocaleString("en")}, each half as long, both seeded before the first (the machine's speed drifts over minutes, and the two tenants used to be measured minutes apart); the figures take both passes' responses together:`,
  );
  emit();
  emit(
    table(
      [
        "documents",
        "one at a time p50",
        `at ${SETTINGS.dataConcurrency}: p50 (req/s)`,
        "p99",
        "CPU/request: service / database",
        `p50 at ${SETTINGS.dataConcurrency}, each pass`,
      ],
      sizes.map(({ documents, oneAtATime, underLoad, passes }) => [
        `${documents.toLocaleString("en")}${failureNote(oneAtATime, underLoad)}`,
        ms(oneAtATime.p50, 2),
        perSecond(underLoad),
        ms(underLoad.p99, 2),
        `${cpuMs(underLoad.cpuMsPerRequest)} / ${cpuMs(underLoad.databaseCpuMsPerRequest)}`,
        passes.map((pass) => ms(pass.p50, 2)).join(", "),
      ]),
    ),
  );
  emit();
  const at = `at ${SETTINGS.dataConcurrency} connections`;
  const p50 = (result: LoadResult) => result.p50;
  for (const { operation, service, floor, floorWithReads } of results) {
    if (operation === "insert") {
      // Every authenticated request reads its session and its organization; the floor does neither.
      targets.push(
        ratioTarget(`document insert p50 ${at} ≤ 1.3× the floor with reads`, service, floorWithReads, 1.3, p50),
      );
      targets.push(ratioTarget(`… the floor with reads ≤ 2× the bare floor`, floorWithReads, floor, 2, p50));
      targets.push({
        ...ratioTarget("… the service against the bare floor", service, floor, 1, p50),
        informational: true,
      });
      continue;
    }
    targets.push(ratioTarget(`document ${operation} p50 ${at} ≤ 1.3× the floor`, service, floor, 1.3, p50));
    targets.push({
      name: `document ${operation} p50 ${at} in single-digit milliseconds`,
      measured: failedRequests(service) > 0 || service.total === 0 ? Number.POSITIVE_INFINITY : service.p50,
      limit: 9.999,
      detail: `${ms(service.p50, 2)}${failureNote(service)}`,
    });
  }
  const [small, large] = sizes;
  if (small && large) {
    targets.push(
      ratioTarget(
        `document get by id p50 ${at}, ${TENANT_SIZES.large.toLocaleString("en")} documents ≤ 1.2× ${TENANT_SIZES.small.toLocaleString("en")}`,
        large.underLoad,
        small.underLoad,
        1.2,
        p50,
      ),
    );
  }
}

function reportTargets(): void {
  emit(`## Targets`);
  emit();
  emit(
    table(
      ["target", "measured", "result"],
      targets.map((t) => [t.name, t.detail, verdict(t)]),
    ),
  );
  reportFailedCalls();
}

/** The timed calls that failed or timed out, by what they measured: the run went on, their figures say "failed". */
function reportFailedCalls(): void {
  if (failedCalls.length === 0) return;
  const byWhat = new Map<string, { count: number; first: string }>();
  for (const { what, error } of failedCalls) {
    const seen = byWhat.get(what);
    if (seen) seen.count++;
    else byWhat.set(what, { count: 1, first: error });
  }
  emit();
  emit(
    `**Calls that failed or timed out** (the run went on; figures that include them say "failed", and their targets are MISS):`,
  );
  emit();
  emit(
    table(
      ["call", "failed", "first error"],
      [...byWhat].map(([what, { count, first }]) => [what, String(count), first]),
    ),
  );
  log(`${failedCalls.length} timed calls failed or timed out: see "Calls that failed" under Targets`);
}
