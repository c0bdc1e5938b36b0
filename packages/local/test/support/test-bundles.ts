import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { textImportPlugin } from "@org-service/functions/text-imports";
import { BUNDLED_ENTRIES, HANDLERS, ROOT } from "./bundled-entries";

/**
 * Vitest globalSetup: what the tests start as processes, bundled once per run into one directory:
 * the command-line entry points (`pnpm tenants`, `pnpm platform`, `pnpm reconcile`, a fixture that
 * stops a move at a checkpoint) and the local server with every handler (`fixtures/bundled-server.ts`,
 * for the kill test's restarts). Started through tsx, each process spent about a second loading and
 * transforming some two thousand modules before it did anything (0.15 s from a bundle), the server
 * 1.5–2.5 s before it listened, and each of its handlers' first requests loaded modules through
 * tsx again; the tests start some seventy such processes. The code is the same; what the scripts
 * run, tsx and the sources, is what each command test's `--help` case and start.test.ts start.
 */
declare module "vitest" {
  export interface ProvidedContext {
    /** The directory of the bundles: `<name>.js` for each of `BUNDLED_ENTRIES` (bundled-entries.ts). */
    testBundles: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outdir = await mkdtemp(path.join(tmpdir(), "org-service-bundles-"));
  const handlers = (await readdir(path.join(ROOT, HANDLERS))).filter((file) => file.endsWith(".ts"));
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      ...BUNDLED_ENTRIES,
      // Where the bundled server imports each route's handler from.
      ...Object.fromEntries(
        handlers.map((file) => [`handlers/${file.replace(/\.ts$/, "")}`, path.join(HANDLERS, file)]),
      ),
    },
    outdir,
    bundle: true,
    // One copy of each module for all entries: the server and its handlers share core's state.
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The dashboard's and the docs' files, imported as text, as the deployed functions get them.
    plugins: [textImportPlugin],
    // Bundled CommonJS (the MongoDB driver) calls `require` for Node's built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  project.provide("testBundles", outdir);
  return () => rm(outdir, { recursive: true, force: true });
}
