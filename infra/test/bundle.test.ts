/**
 * Builds every handler exactly as `sst deploy` does — SST's own esbuild, with the bundling options
 * of `infra/functions.ts` — so a handler that does not bundle fails `pnpm test`, not a deploy.
 * (SST builds them to the same bytes, faster: shared-bundling.ts.) Then loads each bundle in a
 * plain Node process, as Lambda would.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { routeDeployments, type RouteDeployment } from "../functions";
import { LAZY_BUILTINS } from "../lazy-builtins";
import { RECONCILER_HANDLER } from "../reconciler";
import { TENANT_MOVER_HANDLER } from "../tenant-mover";
import { DISPATCHER_HANDLER } from "../events";
import { EXPORTER_HANDLER } from "../archives";
import { withoutSourceMap } from "@org-service/functions/text-imports";
import { functionOf } from "./template";
import { withSharedBundling } from "./shared-bundling";
import { REGION, ROOT, synthesize, type Synthesized } from "./synth";

const run = promisify(execFile);
let synthesized: Synthesized;
/** Each route's bundle loaded in a Node.js process of its own (`loadAlone`), by route key. */
let loads: Map<string, Promise<string>>;

beforeAll(async () => {
  synthesized = await withSharedBundling({ root: ROOT, stage: "bundle-test", region: REGION }, () =>
    synthesize("bundle-test", { active: true }),
  );
  // Started together, two at a time (the machine's two cores), each awaited by the route's test.
  const twoAtATime = limit(2);
  loads = new Map(
    routeDeployments.map((deployment) => {
      const load = twoAtATime(() => loadAlone(deployment));
      // A failure is the route's test's to report, not an unhandled rejection before it runs.
      load.catch(() => {});
      return [deployment.key, load] as const;
    }),
  );
}, 600_000);

/** Runs the tasks given to it at most `concurrency` at a time, in the order given. */
function limit(concurrency: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** The directory SST built a function into, found by its handler. */
function artifactDir(handler: string): string {
  const fn = synthesized.app.node
    .findAll()
    .find((c) => "props" in c && (c as { props?: { handler?: string } }).props?.handler === handler);
  if (!fn) throw new Error(`No function for ${handler}`);
  return path.join(ROOT, ".sst", "artifacts", fn.node.addr);
}

function entryFile({ handler }: Pick<RouteDeployment, "handler">): string {
  return path.join(artifactDir(handler), `${handler.replace(/\.handler$/, "")}.mjs`);
}

/**
 * Loads a route's bundle in a plain Node.js process of its own (one where no other bundle loaded a
 * built-in): it must export a handler. Answers, as JSON, those of `LAZY_BUILTINS` it loaded.
 */
async function loadAlone(deployment: RouteDeployment): Promise<string> {
  const script = [
    `const m = await import(${JSON.stringify(entryFile(deployment))});`,
    `if (typeof m.handler !== "function") throw new Error("no handler export");`,
    `const unused = ${JSON.stringify(LAZY_BUILTINS)}.filter((id) => process.moduleLoadList.includes("NativeModule " + id));`,
    `process.stdout.write(JSON.stringify(unused));`,
  ].join("\n");
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH },
  });
  return stdout;
}

describe.each(routeDeployments.map((d) => [d.key, d] as const))("%s", (_key, deployment) => {
  it("is deployed as a bundled Node.js 22 ESM function on arm64", () => {
    const fn = functionOf(synthesized.template, deployment.key);
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Handler).toBe(`${deployment.handler.replace(/\.handler$/, "")}.handler`);
    expect(fn.Properties.Code.S3Key).toBeDefined();
    expect(existsSync(entryFile(deployment))).toBe(true);
  });

  it("loads in a plain Node.js process, without the optional MongoDB modules, nor the built-ins it never uses", async () => {
    expect(JSON.parse(await loads.get(deployment.key)!)).toEqual([]);
  });
});

describe.each(routeDeployments.map((d) => [d.key, d] as const))("%s", (_key, deployment) => {
  it("calls loadDeployedSecrets, whose SSM client is split into a chunk loaded only when secrets are bound", () => {
    const entry = entryFile(deployment);
    const dir = path.dirname(entry);
    expect(readFileSync(entry, "utf8")).not.toContain("AmazonSSM");
    const chunks = readdirSync(dir).filter((f) => f.endsWith(".mjs") && path.join(dir, f) !== entry);
    expect(chunks.some((f) => readFileSync(path.join(dir, f), "utf8").includes("AmazonSSM"))).toBe(true);
  });

  // The Public Suffix List (tldts: about 120 KB minified, evaluated at import) belongs to the
  // functions of claimed domains, of joining by domain and of the invitation-domain policy, and to
  // the docs' schemas. Anywhere else every cold start would load it for nothing, as login, refresh
  // and most others once did, through a schema module every handler imports.
  it("carries the Public Suffix List only if it is a function of domains, or the docs'", () => {
    const dir = path.dirname(entryFile(deployment));
    const sources = readdirSync(dir)
      .filter((file) => file.endsWith(".mjs.map"))
      .flatMap((file) => (JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { sources: string[] }).sources);
    const carries = sources.some((source) => /\/tldts(-core)?\//.test(source));
    expect(carries).toBe(OF_DOMAINS.has(deployment.route.handler));
  });
});

/** The functions that bundle the domain rule (`core/src/domains/names.ts`), and with it tldts. */
const OF_DOMAINS = new Set([
  "list-domains",
  "claim-domain",
  "verify-domain",
  "update-domain",
  "release-domain",
  "list-join-requests",
  "approve-join-request",
  "decline-join-request",
  "list-joinable-organizations",
  "join-organization",
  "update-organization-policies",
  "openapi",
]);

it("serves the discovery document from the bundle, with the deployed issuer", async () => {
  const deployment = routeDeployments.find((d) => d.route.handler === "openid-configuration");
  if (!deployment) throw new Error("no openid-configuration route");
  const script = [
    `const { handler } = await import(${JSON.stringify(entryFile(deployment))});`,
    `const event = { version: "2.0", routeKey: "GET /.well-known/openid-configuration", rawPath: "/.well-known/openid-configuration", rawQueryString: "", headers: {}, requestContext: { http: { method: "GET", path: "/.well-known/openid-configuration" } }, isBase64Encoded: false };`,
    `const result = await handler(event, {});`,
    `process.stdout.write(JSON.stringify(result));`,
  ].join("\n");
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    // WARN: the per-request INFO log line would share stdout with the result.
    env: {
      PATH: process.env.PATH,
      JWT_ISSUER: "https://abc123.execute-api.eu-west-1.amazonaws.com",
      POWERTOOLS_LOG_LEVEL: "WARN",
    },
  });
  const result = JSON.parse(stdout) as { statusCode: number; body: string };
  expect(result.statusCode).toBe(200);
  expect(JSON.parse(result.body)).toMatchObject({
    issuer: "https://abc123.execute-api.eu-west-1.amazonaws.com",
    jwks_uri: "https://abc123.execute-api.eu-west-1.amazonaws.com/.well-known/jwks.json",
  });
});

it("serves Swagger UI's files and the dashboard from the bundles themselves (inlined, no node_modules)", async () => {
  const entryOf = (handler: string) => {
    const deployment = routeDeployments.find((d) => d.route.handler === handler);
    if (!deployment) throw new Error(`no ${handler} route`);
    return entryFile(deployment);
  };
  const script = [
    `const { createHash } = await import("node:crypto");`,
    `const { gunzipSync } = await import("node:zlib");`,
    `const docs = (await import(${JSON.stringify(entryOf("docs"))})).handler;`,
    `const dashboard = (await import(${JSON.stringify(entryOf("dashboard"))})).handler;`,
    `const event = (path, asset, headers = {}) => ({ version: "2.0", routeKey: "GET " + path, rawPath: path, rawQueryString: "", headers, ...(asset && { pathParameters: { asset } }), requestContext: { http: { method: "GET", path } }, isBase64Encoded: false });`,
    // The bodies are summarized by a hash: Swagger UI's bundle would overflow execFile's buffer.
    `const sha256 = (text) => createHash("sha256").update(text).digest("hex");`,
    `const summary = ({ body, ...rest }, decode = (b) => b) => ({ ...rest, sha256: sha256(decode(body)), length: body.length });`,
    `const gunzip = (body) => gunzipSync(Buffer.from(body, "base64")).toString();`,
    `const css = await docs(event("/docs/swagger-ui.css", "swagger-ui.css"), {});`,
    `const bundle = await docs(event("/docs/swagger-ui-bundle.js", "swagger-ui-bundle.js"), {});`,
    `const gzippedBundle = await docs(event("/docs/swagger-ui-bundle.js", "swagger-ui-bundle.js", { "accept-encoding": "gzip, deflate, br" }), {});`,
    `const page = await dashboard(event("/"), {});`,
    `process.stdout.write(JSON.stringify({ css: summary(css), bundle: summary(bundle), gzippedBundle: summary(gzippedBundle, gunzip), page }));`,
  ].join("\n");
  // Run from an empty directory with no node_modules anywhere above it that has swagger-ui-dist.
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH },
    cwd: "/",
  });
  // The functions' request log lines come first (JSON, one per request), the result last.
  const lines = stdout.trim().split("\n");
  expect(lines.slice(0, -1).map((line) => JSON.parse(line) as { message: string; route: string })).toEqual([
    expect.objectContaining({ message: "request", route: "GET /docs/swagger-ui.css" }),
    expect.objectContaining({ message: "request", route: "GET /docs/swagger-ui-bundle.js" }),
    expect.objectContaining({ message: "request", route: "GET /docs/swagger-ui-bundle.js" }),
    expect.objectContaining({ message: "request", route: "GET /" }),
  ]);
  type Summary = {
    statusCode: number;
    headers: Record<string, string>;
    isBase64Encoded: boolean;
    sha256: string;
    length: number;
  };
  const result = JSON.parse(lines.at(-1)!) as {
    css: Summary;
    bundle: Summary;
    gzippedBundle: Summary;
    page: { statusCode: number; body: string };
  };
  // The real files (less the comment naming their source maps, which are not shipped), served
  // plain to a client without gzip: the bundle carries them gzipped, the function gunzips them.
  const swaggerUiFile = (name: string) => {
    const text = withoutSourceMap(
      readFileSync(
        createRequire(path.join(ROOT, "packages/functions/package.json")).resolve(`swagger-ui-dist/${name}`),
        "utf8",
      ),
    );
    return { sha256: createHash("sha256").update(text).digest("hex"), length: text.length };
  };
  expect(result.css).toMatchObject({ statusCode: 200, isBase64Encoded: false, ...swaggerUiFile("swagger-ui.css") });
  expect(result.css.headers["content-type"]).toBe("text/css; charset=utf-8");
  expect(result.css.headers["content-encoding"]).toBeUndefined();
  expect(result.bundle).toMatchObject({
    statusCode: 200,
    isBase64Encoded: false,
    ...swaggerUiFile("swagger-ui-bundle.js"),
  });
  expect(result.bundle.length).toBeGreaterThan(1_000_000);
  expect(result.bundle.headers["content-encoding"]).toBeUndefined();
  // And gzipped, as it is in the bundle, to a client that accepts gzip.
  expect(result.gzippedBundle).toMatchObject({
    statusCode: 200,
    isBase64Encoded: true,
    sha256: swaggerUiFile("swagger-ui-bundle.js").sha256,
  });
  expect(result.gzippedBundle.headers["content-encoding"]).toBe("gzip");
  expect(result.gzippedBundle.headers.etag).toBe(result.bundle.headers.etag);
  expect(result.page.statusCode).toBe(200);
  expect(result.page.body).toContain("<title>org-service dashboard</title>");
  // The files are in the bundle, not read from beside it; and gzipped there, not as text.
  expect(readdirSync(path.dirname(entryOf("docs"))).filter((file) => /swagger|\.css$/.test(file))).toEqual([]);
  expect(statSync(entryOf("docs")).size).toBeLessThan(800_000);
});

it("bundles the scheduled reconciler, which loads in a plain Node.js process", async () => {
  const entry = entryFile({ handler: RECONCILER_HANDLER });
  const script = `const m = await import(${JSON.stringify(entry)}); if (typeof m.handler !== "function") throw new Error("no handler export");`;
  await run(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: process.env.PATH } });
});

it("bundles the tenant mover, which loads in a plain Node.js process", async () => {
  const entry = entryFile({ handler: TENANT_MOVER_HANDLER });
  const script = `const m = await import(${JSON.stringify(entry)}); if (typeof m.handler !== "function") throw new Error("no handler export");`;
  await run(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: process.env.PATH } });
});

it("bundles the event dispatcher, which loads in a plain Node.js process without the Lambda client", async () => {
  const entry = entryFile({ handler: DISPATCHER_HANDLER });
  const script = `const m = await import(${JSON.stringify(entry)}); if (typeof m.handler !== "function") throw new Error("no handler export");`;
  await run(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: process.env.PATH } });
});

it("bundles the export function, which loads in a plain Node.js process", async () => {
  const entry = entryFile({ handler: EXPORTER_HANDLER });
  const script = `const m = await import(${JSON.stringify(entry)}); if (typeof m.handler !== "function") throw new Error("no handler export");`;
  await run(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: process.env.PATH } });
});

it("the scheduled reconciler's bundle undoes an interrupted create in the real database", async () => {
  // What a function that died between the steps of a create leaves: the record still marked, its
  // admin and its tenant collection, an hour old.
  const runId = randomUUID().slice(0, 8);
  const masterDb = `reconciler_${runId}_master`;
  const tenantDb = `reconciler_${runId}_tenants`;
  const client = new MongoClient(inject("mongodbUri"));
  try {
    const master = client.db(masterDb);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const organizationId = new ObjectId();
    const adminId = new ObjectId();
    await master.collection("organizations").insertOne({
      _id: organizationId,
      admin_id: adminId,
      name: "Half Made",
      slug: "half_made",
      collection_name: "org_half_made",
      created_at: anHourAgo,
      updated_at: anHourAgo,
      pending: { op: "create", started_at: anHourAgo },
    });
    await master.collection("admins").insertOne({
      _id: adminId,
      email: "half@made.example",
      password_hash: "-",
      credentials_version: 1,
      organization_id: organizationId,
      created_at: anHourAgo,
      updated_at: anHourAgo,
    });
    await client.db(tenantDb).createCollection("org_half_made");

    const script = [
      `const { handler } = await import(${JSON.stringify(entryFile({ handler: RECONCILER_HANDLER }))});`,
      `process.stdout.write("\\n" + JSON.stringify(await handler()));`,
      `process.exit(0);`,
    ].join("\n");
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH,
        MONGODB_URI: inject("mongodbUri"),
        MONGODB_MASTER_DB: masterDb,
        MONGODB_TENANT_DB: tenantDb,
        POWERTOOLS_LOG_LEVEL: "WARN",
      },
    });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toMatchObject({ createsUndone: 1, orphanUsersDeleted: 0 });
    expect(await master.collection("organizations").countDocuments()).toBe(0);
    expect(await master.collection("admins").countDocuments()).toBe(0);
    expect(await client.db(tenantDb).listCollections({ name: "org_half_made" }).toArray()).toEqual([]);
  } finally {
    await client.db(masterDb).dropDatabase();
    await client.db(tenantDb).dropDatabase();
    await client.close();
  }
});

it("talks to a real database from the bundle (the driver's connection string parsed with Node's URL)", async () => {
  const health = routeDeployments.find((d) => d.route.handler === "health")!;
  const uri = new URL(inject("mongodbUri"));
  // Options in the string go through the parser the `whatwg-url` alias serves.
  uri.search = "?appName=bundle-test&maxPoolSize=2&serverSelectionTimeoutMS=5000";
  const script = [
    `const { handler } = await import(${JSON.stringify(entryFile(health))});`,
    `const event = { version: "2.0", routeKey: "GET /health", rawPath: "/health", rawQueryString: "", headers: {}, requestContext: { http: { method: "GET", path: "/health" } }, isBase64Encoded: false };`,
    `const result = await handler(event, {});`,
    `process.stdout.write("\\n" + JSON.stringify(result));`,
    `process.exit(0);`,
  ].join("\n");
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, MONGODB_URI: uri.toString(), POWERTOOLS_LOG_LEVEL: "WARN" },
    cwd: "/",
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { statusCode: number; body: string };
  expect(result).toMatchObject({ statusCode: 200 });
  expect(JSON.parse(result.body)).toEqual({ status: "ok" });
});

it("logs an unexpected error from the bundle with its stack pointing at the TypeScript, not the minified code", async () => {
  const jwks = routeDeployments.find((d) => d.route.handler === "jwks")!;
  const script = [
    `const { handler } = await import(${JSON.stringify(entryFile(jwks))});`,
    `const event = { version: "2.0", routeKey: "GET /.well-known/jwks.json", rawPath: "/.well-known/jwks.json", rawQueryString: "", headers: {}, requestContext: { requestId: "r1", http: { method: "GET", path: "/.well-known/jwks.json" } }, isBase64Encoded: false };`,
    `const result = await handler(event, {});`,
    `process.stdout.write("\\n" + JSON.stringify(result));`,
    `process.exit(0);`,
  ].join("\n");
  // A signing key that is no key, though shaped like one (so that it passes the configuration's
  // check and fails where it is read): the service is misconfigured, a failure for operators. Node
  // runs without --enable-source-maps, as deployed.
  const notAKey = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----";
  const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, JWT_PRIVATE_KEY: notAKey, POWERTOOLS_LOG_LEVEL: "WARN" },
    cwd: "/",
  });
  expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toMatchObject({ statusCode: 500 });
  // Lambda sends stdout and stderr alike to CloudWatch; the logger writes errors to either.
  const logLines = `${stdout}\n${stderr}`.split("\n").filter((line) => line.startsWith("{"));
  const logged = logLines
    .map((line) => JSON.parse(line) as { message?: string; error?: { stack?: string } })
    .find((l) => l.message === "unexpected error");
  const frames = logged?.error?.stack?.split("\n").slice(1) ?? [];
  expect(frames[0]).toMatch(/\(packages\/core\/src\/auth\/keys\.ts:\d+:\d+\)$/);
  expect(frames.filter((frame) => /\.mjs:\d+:\d+/.test(frame))).toEqual([]);
});

describe("an organization's whole life, served by the deployed bundles over HTTP against a real database", () => {
  let url: string;
  let server: ChildProcess | undefined;
  const runId = randomUUID().slice(0, 8);

  beforeAll(async () => {
    // Every handler's bundle, behind the local server's API Gateway, in a plain Node.js process.
    const bundles = Object.fromEntries(routeDeployments.map((d) => [d.route.handler, entryFile(d)]));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    server = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "infra", "test", "serve-bundles.ts"), JSON.stringify(bundles)],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          MONGODB_URI: inject("mongodbUri"),
          MONGODB_MASTER_DB: `bundles_${runId}_master`,
          MONGODB_TENANT_DB: `bundles_${runId}_tenants`,
          // One key for every bundle: each is its own module instance, and a generated key would differ.
          JWT_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          BCRYPT_COST: "4",
          POWERTOOLS_LOG_LEVEL: "WARN",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    url = await new Promise<string>((resolve, reject) => {
      let output = "";
      server!.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split("\n").find((l) => l.startsWith("http://"));
        if (line) resolve(line.trim());
      });
      server!.once("exit", (code) => reject(new Error(`the bundle server exited (${code}) before listening`)));
    });
  });

  afterAll(async () => {
    server?.kill();
    const client = new MongoClient(inject("mongodbUri"));
    await client.db(`bundles_${runId}_master`).dropDatabase();
    await client.db(`bundles_${runId}_tenants`).dropDatabase();
    await client.close();
  });

  async function call(method: string, route: string, options: { json?: unknown; token?: string } = {}) {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(options.json !== undefined && { "content-type": "application/json" }),
        ...(options.token && { authorization: `Bearer ${options.token}` }),
      },
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      json: text ? JSON.parse(text) : undefined,
    };
  }
  const byName = (name: string) => `?${new URLSearchParams({ organization_name: name })}`;

  it("create → duplicate 409 → get → login → rename and new password → collection, audit → delete", async () => {
    const created = await call("POST", "/org/create", {
      json: { organization_name: "Bundle Works", email: "ops@bundle.example", password: "first-password" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ organization_name: "Bundle Works", collection_name: "org_bundle_works" });

    // The unique index answers through the driver's error codes.
    const duplicate = await call("POST", "/org/create", {
      json: { organization_name: "bundle works", email: "other@bundle.example", password: "first-password" },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.contentType).toBe("application/problem+json");

    // Validation through the bundled schemas.
    const invalid = await call("POST", "/org/create", {
      json: { organization_name: "", email: "not an email", password: "x" },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.contentType).toBe("application/problem+json");

    expect((await call("GET", `/org/get${byName("Bundle Works")}`)).json).toMatchObject({
      organization_id: created.json.organization_id,
    });

    const session = await call("POST", "/admin/login", {
      json: { email: "ops@bundle.example", password: "first-password" },
    });
    expect(session.status).toBe(200);
    const token = session.json.access_token as string;

    const updated = await call("PUT", "/org/update", {
      token,
      json: {
        organization_name: "Bundle Works",
        new_organization_name: "Bundle Foundry",
        password: "second-password",
        current_password: "first-password",
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ organization_name: "Bundle Foundry", collection_name: "org_bundle_foundry" });
    // The credential change revoked the old token; the new password logs in.
    expect((await call("GET", "/org/collection", { token })).status).toBe(401);
    const renewed = await call("POST", "/admin/login", {
      json: { email: "ops@bundle.example", password: "second-password" },
    });
    expect(renewed.status).toBe(200);
    const newToken = renewed.json.access_token as string;

    const collection = await call("GET", "/org/collection", { token: newToken });
    expect(collection).toMatchObject({
      status: 200,
      json: expect.objectContaining({ collection_name: "org_bundle_foundry" }),
    });
    const audit = await call("GET", "/org/audit", { token: newToken });
    expect(audit.status).toBe(200);
    expect((audit.json.entries as { action: string }[]).map((e) => e.action)).toEqual(
      expect.arrayContaining(["organization.create", "admin.login", "organization.update"]),
    );

    expect((await call("GET", `/org/get${byName("Bundle Works")}`)).status).toBe(404);
    const deleted = await call("DELETE", "/org/delete", {
      token: newToken,
      json: { organization_name: "Bundle Foundry" },
    });
    expect(deleted).toMatchObject({ status: 200, json: { deleted: true, organization_name: "Bundle Foundry" } });
    expect((await call("GET", `/org/get${byName("Bundle Foundry")}`)).status).toBe(404);
    expect(
      (await call("POST", "/admin/login", { json: { email: "ops@bundle.example", password: "second-password" } }))
        .status,
    ).toBe(401);
  });
});
