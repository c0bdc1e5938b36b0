import type { TestProject } from "vitest/node";
import { type EmbeddedDatabaseKind, startEmbeddedDatabase } from "./index";

/**
 * Vitest globalSetup: one database per vitest project (each project runs its own globalSetup),
 * shared by all test files of that project. Tests read the URI with `inject("mongodbUri")` and
 * should isolate themselves, e.g. with a database name per test file.
 *
 * Usage in a package's vitest.config.ts:
 *   test: { globalSetup: ["@org-service/embedded-db/vitest-global-setup"] }
 *
 * The project's `test.env` is read on top of process.env (globalSetup runs in vitest's main
 * process, where `test.env` is not applied): a project with `env: { EMBEDDED_DB: "ferretdb-sqlite" }`
 * runs its tests on that backend (see vitest.workspace.ts).
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the project's database (see @org-service/embedded-db). */
    mongodbUri: string;
    /** What serves it, for tests whose assertions differ per server (e.g. query plans). */
    embeddedDatabaseKind: EmbeddedDatabaseKind;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const label = project.name ? `[embedded-db:${project.name}]` : "[embedded-db]";
  const env = { ...process.env, ...project.config.env };
  const db = await startEmbeddedDatabase({ env, log: (line) => console.log(`${label} ${line}`) });
  console.log(`${label} tests use ${db.description}`);
  project.provide("mongodbUri", db.uri);
  project.provide("embeddedDatabaseKind", db.kind);
  return () => db.stop();
}
