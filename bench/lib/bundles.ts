/**
 * Measurement 1: every handler bundled as `sst deploy` bundles it, its size, and its module init
 * time in a fresh Node process, beside a naive bundle of the same dependencies.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build, version as esbuildVersion, type BuildOptions, type Metafile } from "esbuild";
import { functionDefaults, nodejsBundling } from "../../infra/functions";
import { routes } from "../../packages/functions/src/routes";
import { BENCH_DIR, CORE_DIR, FUNCTIONS_DIR, log, median } from "./common";

const run = promisify(execFile);

/** What SST v2 (node_modules/sst/runtime/handlers/node.js) passes to esbuild for an ESM function. */
function sstOptions(entry: string, outdir: string): BuildOptions {
  const nodejs = nodejsBundling;
  const { external, ...override } = nodejs.esbuild;
  return {
    entryPoints: [entry],
    platform: "node",
    // SST's forced externals, then the project's.
    external: ["sharp", "pg-native", ...(external ?? [])],
    // SST's default, replaced by `keepNames: false` from infra/functions.ts (spread below).
    ...{ keepNames: true },
    bundle: true,
    logLevel: "silent",
    splitting: nodejs.splitting,
    metafile: true,
    outExtension: nodejs.splitting ? { ".js": ".mjs" } : undefined,
    format: "esm",
    // SST's default, replaced by `target: node22` from infra/functions.ts (spread below).
    ...{ target: "esnext" },
    mainFields: ["module", "main"],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
        "",
      ].join("\n"),
    },
    outdir,
    sourcemap: nodejs.sourcemap,
    minify: nodejs.minify,
    // `target: node22`, `keepNames: false`, `legalComments: none` from infra/functions.ts override
    // SST's defaults, as in SST.
    ...override,
  };
}

export interface BundleMeasurement {
  readonly name: string;
  readonly entryFile: string;
  /** The entry's key in the metafile outputs. */
  readonly entryOutput: string;
  /** The entry chunk plus every chunk it imports statically: what a cold start parses. */
  readonly staticBytes: number;
  readonly staticGzipBytes: number;
  /** Chunks only reached by dynamic import (the SSM client). */
  readonly lazyBytes: number;
  readonly inputs: Metafile["inputs"];
  readonly outputs: Metafile["outputs"];
  /** NODE_OPTIONS the init is measured with: the deployed functions' own, or none. */
  readonly nodeOptions?: string;
  init?: InitMeasurement;
}

export interface InitMeasurement {
  readonly runs: number;
  /** performance.now() around `await import(bundle)`. */
  readonly importMs: number;
  /** performance.now() once the import resolved: since the process's time origin. */
  readonly sinceStartMs: number;
  /** Spawn to exit, measured by the parent. */
  readonly wallMs: number;
}

async function bundle(
  name: string,
  entry: string,
  outRoot: string,
  extra: Partial<BuildOptions> = {},
): Promise<BundleMeasurement> {
  const outdir = path.join(outRoot, name);
  const result = await build({ ...sstOptions(entry, outdir), ...extra });
  const metafile = result.metafile!;
  // Dynamically imported modules are entry points too (their own chunks): find the real one.
  const entryInput = path.relative(process.cwd(), entry).split(path.sep).join("/");
  const entryOutput = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === entryInput);
  if (!entryOutput) throw new Error(`no entry output for ${name}`);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(entryOutput[0]);
  const jsOutputs = Object.keys(metafile.outputs).filter((file) => file.endsWith(".mjs") || file.endsWith(".js"));
  const absolute = (file: string) => path.resolve(process.cwd(), file);
  const staticFiles = jsOutputs.filter((file) => seen.has(file));
  const staticBytes = staticFiles.reduce((sum, file) => sum + statSync(absolute(file)).size, 0);
  const staticGzipBytes = staticFiles.reduce(
    (sum, file) => sum + gzipSync(readFileSync(absolute(file)), { level: 9 }).length,
    0,
  );
  const lazyBytes = jsOutputs
    .filter((file) => !seen.has(file))
    .reduce((sum, file) => sum + statSync(absolute(file)).size, 0);
  return {
    name,
    entryFile: absolute(entryOutput[0]),
    entryOutput: entryOutput[0],
    staticBytes,
    staticGzipBytes,
    lazyBytes,
    inputs: metafile.inputs,
    outputs: metafile.outputs,
  };
}

/**
 * Runtime dependencies of core and functions that are not code a handler imports whole: `sst`
 * (only `sst/node/config`, loaded lazily where secrets are bound; importing it fetches them from
 * SSM) and `swagger-ui-dist` (files served as text by the docs function).
 */
const NOT_IMPORTED_AS_CODE = new Set(["sst", "swagger-ui-dist"]);

/** Every third-party package core and functions depend on at run time, as named in their package.json. */
export function naiveDependencies(): string[] {
  const names = [CORE_DIR, FUNCTIONS_DIR].flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    return Object.entries(manifest.dependencies ?? {})
      .filter(([, version]) => !version.startsWith("workspace:"))
      .map(([name]) => name);
  });
  return [...new Set(names)].filter((name) => !NOT_IMPORTED_AS_CODE.has(name)).sort();
}

/**
 * The naive baseline: the same dependencies as published, each imported whole and kept alive, so
 * tree shaking can remove nothing (namespace objects stored in an exported array).
 */
function naiveEntry(dependencies: readonly string[]): string {
  return [
    ...dependencies.map((name, i) => `import * as dependency${i} from ${JSON.stringify(name)};`),
    `export const everything = [${dependencies.map((_, i) => `dependency${i}`).join(", ")}];`,
    `export const handler = async () => ({ statusCode: 200, body: String(everything.length) });`,
    "",
  ].join("\n");
}

export { esbuildVersion };

/** The NODE_OPTIONS every deployed function gets (infra/functions.ts), if any. */
const DEPLOYED_NODE_OPTIONS = functionDefaults(undefined).environment?.NODE_OPTIONS;

export async function buildAllBundles(
  outRoot: string,
): Promise<{ handlers: BundleMeasurement[]; failed: { name: string; error: string }[]; naive: BundleMeasurement }> {
  log(`bundling the handlers of ${routes.length} routes and the naive baseline with esbuild ${esbuildVersion}`);
  const handlers: BundleMeasurement[] = [];
  const failed: { name: string; error: string }[] = [];
  // Several routes may share one handler module (one function each, same bundle): build it once.
  for (const route of routes.filter((r, i) => routes.findIndex((o) => o.handler === r.handler) === i)) {
    try {
      const measured = await bundle(
        route.handler,
        path.join(FUNCTIONS_DIR, "src", "handlers", `${route.handler}.ts`),
        outRoot,
      );
      handlers.push({ ...measured, nodeOptions: DEPLOYED_NODE_OPTIONS });
    } catch (error) {
      // Reported in the results instead of aborting the whole run.
      failed.push({ name: route.handler, error: (error as Error).message.split("\n").slice(0, 2).join(" ") });
    }
  }
  const naiveEntryFile = path.join(outRoot, "naive-entry.ts");
  writeFileSync(naiveEntryFile, naiveEntry(naiveDependencies()));
  const naive = await bundle("naive-baseline", naiveEntryFile, outRoot, {
    // Resolved from the packages that declare these dependencies.
    nodePaths: [path.join(CORE_DIR, "node_modules"), path.join(FUNCTIONS_DIR, "node_modules")],
    // Naive: the dependencies as published, without the deployment's size work (the alias that
    // swaps the driver's `whatwg-url` for Node's built-in URL, the driver bundled from its sources,
    // names not kept): SST's defaults.
    alias: {},
    plugins: [],
    keepNames: true,
  });
  return { handlers, failed, naive };
}

const INIT_RUNNER = path.join(BENCH_DIR, "children", "init-runner.mjs");

async function initOnce({
  entryFile,
  nodeOptions,
}: BundleMeasurement): Promise<{ importMs: number; sinceStartMs: number; wallMs: number }> {
  const started = performance.now();
  // A clean environment, as a Lambda container has (no SST secrets bound, no MONGODB_URI).
  const env = { PATH: process.env.PATH ?? "", ...(nodeOptions && { NODE_OPTIONS: nodeOptions }) };
  const { stdout } = await run(process.execPath, [INIT_RUNNER, entryFile], { env });
  const wallMs = performance.now() - started;
  const { importMs, sinceStartMs } = JSON.parse(stdout) as { importMs: number; sinceStartMs: number };
  return { importMs, sinceStartMs, wallMs };
}

/** Interleaved rounds (every bundle once per round), so drift in machine load hits all alike. */
export async function measureInit(bundles: readonly BundleMeasurement[], runs: number): Promise<void> {
  log(`module init: ${runs} fresh processes per bundle`);
  const samples = new Map<BundleMeasurement, { importMs: number; sinceStartMs: number; wallMs: number }[]>();
  // One discarded round warms the file system cache.
  for (const measured of bundles) await initOnce(measured);
  for (let round = 0; round < runs; round++) {
    for (const measured of bundles) {
      const list = samples.get(measured) ?? [];
      list.push(await initOnce(measured));
      samples.set(measured, list);
    }
  }
  for (const measured of bundles) {
    const list = samples.get(measured)!;
    measured.init = {
      runs: list.length,
      importMs: median(list.map((s) => s.importMs)),
      sinceStartMs: median(list.map((s) => s.sinceStartMs)),
      wallMs: median(list.map((s) => s.wallMs)),
    };
  }
}

/** The heaviest inputs of a bundle's static part, by bytes in the output: where the size comes from. */
export function topPackages(measured: BundleMeasurement, count = 6): { name: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const [file, output] of Object.entries(measured.outputs)) {
    if (!file.endsWith(".mjs")) continue;
    if (measured.lazyBytes > 0 && !isStatic(measured, file)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

function isStatic(measured: BundleMeasurement, file: string): boolean {
  const entry = measured.entryOutput;
  if (file === entry) return true;
  return (measured.outputs[entry]?.imports ?? []).some((i) => i.path === file && i.kind === "import-statement");
}

function packageOf(input: string): string {
  const match = input.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (match) return match[1]!;
  if (input.includes("packages/core/")) return "(core)";
  if (input.includes("packages/functions/")) return "(functions)";
  return "(other)";
}
