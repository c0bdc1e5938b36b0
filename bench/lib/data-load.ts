/**
 * The document API under HTTP load: insert, get by id and a filtered list, each through the local
 * server and beside the floor's route doing the same driver call on the same tenant collection.
 */
import { log } from "./common";
import { type ChildServer, type LoadRequest, type LoadResult, measureLoad, mergeLoads } from "./load";
import { loadMongo } from "./common";

export const DATA_OPERATIONS = ["insert", "get by id", "filtered list"] as const;
/** The floor, and the floor making the service's two reads (session, organization) before the operation. */
type Side = "service" | "floor" | "floorWithReads";
export type DataOperation = (typeof DATA_OPERATIONS)[number];

export interface DataLoadResult {
  readonly operation: DataOperation;
  /** Documents in the collection when this operation's runs began (earlier inserts grew it). */
  readonly documents: number;
  readonly service: LoadResult;
  readonly floor: LoadResult;
  readonly floorWithReads: LoadResult;
  /** One connection, one request at a time: the latency of a request on an idle service. */
  readonly oneAtATime: Readonly<Record<Side, LoadResult>>;
}

/** Documents in the collection before the runs: `group` takes 50 values, 20 documents each. */
const SEEDED = 1_000;
const GROUPS = 50;
const LIST_LIMIT = 20;

export async function call(url: string, init: RequestInit & { json?: unknown }, status: number): Promise<unknown> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    ...(json !== undefined && {
      body: JSON.stringify(json),
      headers: { "content-type": "application/json", ...(rest.headers as Record<string, string>) },
    }),
  });
  const text = await response.text();
  if (response.status !== status) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * An organization made through the service (sign-up, login, a `group` index), its collection
 * seeded through the driver, then each operation at `connections`: the floor, then the service.
 */
/** How the document API's runs are made, and against what. */
export interface DataRunOptions {
  readonly service: ChildServer;
  readonly uri: string;
  readonly tenantDb: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** The one-connection runs' length. */
  readonly oneAtATimeSeconds: number;
  readonly runId: string;
  /** The embedded database's directory, to measure its CPU time per request (undefined: not measured). */
  readonly databaseDir?: string | undefined;
}

export async function measureDataLoad(
  options: DataRunOptions & { readonly floor: ChildServer },
): Promise<DataLoadResult[]> {
  const { service, floor, connections, seconds, warmupSeconds, oneAtATimeSeconds, runId } = options;
  const { token, name } = await signUp(service, `Data Load ${runId}`, `data-load-${runId}@bench.example`);
  const auth = { authorization: `Bearer ${token}` };
  // The ids the service's reads look up, from the token's payload (the floor verifies nothing).
  const { sid, org } = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
    sid: string;
    org: string;
  };
  const reads = { "x-floor-reads": `${sid} ${org}` };
  const { collection_name: collectionName } = (await call(
    `${service.url}/org/get?${new URLSearchParams({ organization_name: name })}`,
    {},
    200,
  )) as { collection_name: string };
  await call(`${service.url}/org/data/indexes`, { method: "POST", headers: auth, json: { keys: { group: 1 } } }, 201);

  const { MongoClient } = await loadMongo();
  const client = new MongoClient(options.uri);
  const collection = client.db(options.tenantDb).collection<{ _id: string }>(collectionName);
  try {
    await collection.insertMany(
      Array.from({ length: SEEDED }, (_, i) => ({
        _id: `seed-${String(i).padStart(5, "0")}`,
        group: `g${i % GROUPS}`,
        name: `Seeded ${i}`,
        n: i,
      })),
    );
    log(`document API: ${collectionName} seeded with ${SEEDED} documents, indexed on group`);

    let sequence = 0;
    const newDocument = (side: string) => () => {
      const n = ++sequence;
      // Groups of their own: the list's filter keeps matching the 20 seeded documents while the
      // collection grows (FerretDB sorts and limits in its own process, after fetching every match).
      return JSON.stringify({
        _id: `${side}-${runId}-${n}`,
        group: `inserted-${n % GROUPS}`,
        name: `Inserted ${n}`,
        n,
      });
    };
    const filter = encodeURIComponent(JSON.stringify({ group: "g7" }));
    const json = { "content-type": "application/json" };
    const floorRoutes: Record<DataOperation, [string, LoadRequest]> = {
      insert: [`/data/${collectionName}`, { method: "POST", headers: json, body: newDocument("floor") }],
      "get by id": [`/data/${collectionName}/seed-00042`, {}],
      "filtered list": [`/data/${collectionName}?filter=${filter}&limit=${LIST_LIMIT}`, {}],
    };
    const serviceRoutes: Record<DataOperation, [string, LoadRequest]> = {
      insert: ["/org/data/documents", { method: "POST", headers: { ...json, ...auth }, body: newDocument("service") }],
      "get by id": ["/org/data/documents/seed-00042", { headers: auth }],
      "filtered list": [`/org/data/documents?filter=${filter}&limit=${LIST_LIMIT}`, { headers: auth }],
    };
    const routeOf = (operation: DataOperation, side: Side): [string, LoadRequest] => {
      if (side === "service") return serviceRoutes[operation];
      const [route, request] = floorRoutes[operation];
      return side === "floor" ? [route, request] : [route, { ...request, headers: { ...request.headers, ...reads } }];
    };
    const results: DataLoadResult[] = [];
    for (const operation of DATA_OPERATIONS) {
      const documents = await collection.countDocuments();
      log(`document API: ${operation}, on ${documents} documents`);
      const run = async (side: Side, at: number, length: number) => {
        const [route, request] = routeOf(operation, side);
        const server = side === "service" ? service : floor;
        const result = await measureLoad(server.url + route, at, length, warmupSeconds, request, {
          server,
          databaseDir: options.databaseDir,
        });
        if (side === "service") {
          // Requests still in flight when the run ended finish before anything else is measured.
          const t = performance.now();
          await call(`${service.url}/org/data/documents/seed-00042`, { headers: auth }, 200);
          log(`document API: the service answered again ${(performance.now() - t).toFixed(0)} ms after the run`);
        }
        return result;
      };
      // An insert's quota check reads the collection's size, which the other side's inserts grow:
      // the service inserts first (both its runs), into the seeded collection, and the floor after it.
      const order: Side[] =
        operation === "insert" ? ["service", "floor", "floorWithReads"] : ["floor", "floorWithReads", "service"];
      const oneAtATime = {} as Record<Side, LoadResult>;
      const underLoad = {} as Record<Side, LoadResult>;
      for (const side of order) {
        oneAtATime[side] = await run(side, 1, oneAtATimeSeconds);
        underLoad[side] = await run(side, connections, seconds);
      }
      results.push({ operation, documents, ...underLoad, oneAtATime });
    }
    return results;
  } finally {
    await client.close();
  }
}

/** An organization signed up through the service, and its owner's token. */
export async function signUp(
  service: ChildServer,
  name: string,
  email: string,
): Promise<{ token: string; name: string }> {
  const password = "bench-password-123";
  await call(`${service.url}/org/create`, { method: "POST", json: { organization_name: name, email, password } }, 201);
  const { access_token: token } = (await call(
    `${service.url}/admin/login`,
    { method: "POST", json: { email, password } },
    200,
  )) as { access_token: string };
  return { token, name };
}

/** Documents of the two tenants `GET /org/data/documents/{id}` is compared on. */
export const TENANT_SIZES = { small: 100, large: 100_000 } as const;

export interface TenantSizeResult {
  readonly documents: number;
  /** Both passes' runs taken as one (`mergeLoads`). */
  readonly oneAtATime: LoadResult;
  readonly underLoad: LoadResult;
  /** Each pass's run at `connections`, in the order they were made. */
  readonly passes: readonly LoadResult[];
}

/** The order of the passes: small, large, large, small — a drift of the machine's speed over the runs weighs on both alike. */
const TENANT_SIZE_PASSES = ["small", "large", "large", "small"] as const;

/**
 * A document by `_id` on a tenant of {@link TENANT_SIZES}.small documents and on one of
 * .large (seeded through the driver in batches of 1,000), each at one connection and at
 * `connections`: whether a lookup's latency stays flat as a tenant grows. Both tenants are seeded
 * first; then two passes on each, in the order of {@link TENANT_SIZE_PASSES}, each half as long
 * as the section's other runs, taken together per tenant.
 */
export async function measureTenantSizes(options: DataRunOptions): Promise<TenantSizeResult[]> {
  const { service, connections, seconds, warmupSeconds, oneAtATimeSeconds, runId } = options;
  const { MongoClient } = await loadMongo();
  const client = new MongoClient(options.uri);
  try {
    const tenants = {} as Record<keyof typeof TENANT_SIZES, { url: string; request: LoadRequest }>;
    for (const size of ["small", "large"] as const) {
      const documents = TENANT_SIZES[size];
      const { token, name } = await signUp(
        service,
        `Tenant Size ${documents} ${runId}`,
        `tenant-size-${documents}-${runId}@bench.example`,
      );
      const { collection_name: collectionName } = (await call(
        `${service.url}/org/get?${new URLSearchParams({ organization_name: name })}`,
        {},
        200,
      )) as { collection_name: string };
      const collection = client.db(options.tenantDb).collection<{ _id: string }>(collectionName);
      const started = performance.now();
      for (let from = 0; from < documents; from += 1_000) {
        await collection.insertMany(
          Array.from({ length: Math.min(1_000, documents - from) }, (_, i) => ({
            _id: `doc-${String(from + i).padStart(6, "0")}`,
            group: `g${(from + i) % GROUPS}`,
            name: `Document ${from + i}`,
            n: from + i,
          })),
        );
      }
      log(`tenant sizes: ${documents} documents seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      tenants[size] = {
        // One in the middle of the collection, so that no scan could find it early.
        url: `${service.url}/org/data/documents/doc-${String(Math.floor(documents / 2)).padStart(6, "0")}`,
        request: { headers: { authorization: `Bearer ${token}` } },
      };
    }
    const cpu = { server: service, databaseDir: options.databaseDir };
    const runs = { small: { oneAtATime: [], underLoad: [] }, large: { oneAtATime: [], underLoad: [] } } as Record<
      keyof typeof TENANT_SIZES,
      { oneAtATime: LoadResult[]; underLoad: LoadResult[] }
    >;
    for (const size of TENANT_SIZE_PASSES) {
      const { url, request } = tenants[size];
      log(`tenant sizes: a pass on ${TENANT_SIZES[size]} documents`);
      // Half the section's length per pass (whole seconds: autocannon's duration).
      const half = (length: number) => Math.ceil(length / 2);
      runs[size].oneAtATime.push(await measureLoad(url, 1, half(oneAtATimeSeconds), warmupSeconds, request, cpu));
      runs[size].underLoad.push(await measureLoad(url, connections, half(seconds), warmupSeconds, request, cpu));
    }
    return (["small", "large"] as const).map((size) => ({
      documents: TENANT_SIZES[size],
      oneAtATime: mergeLoads(runs[size].oneAtATime),
      underLoad: mergeLoads(runs[size].underLoad),
      passes: runs[size].underLoad,
    }));
  } finally {
    await client.close();
  }
}

export const DATA_LIST_LIMIT = LIST_LIMIT;
export const DATA_SEEDED = SEEDED;
