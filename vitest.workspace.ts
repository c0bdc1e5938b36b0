import core from "./packages/core/vitest.config";
import local from "./packages/local/vitest.config";

/**
 * Every package's own project, plus a second pass of the database-facing tests of core (every
 * database call the service makes, the query plans and the database behaviour probes) and of the
 * races over HTTP on FerretDB's SQLite backend, the fallback where PostgreSQL cannot start. The
 * rest of the suite runs on the default backend only: all of it twice would add minutes (the
 * local kill test, the browser test and the bundle tests) for code that reaches the database
 * through the same core.
 *
 * Spread rather than `extends`: extending would add to the package's `include`, not replace it.
 *
 * `pnpm test` runs two files at once (`--maxWorkers=2`), where vitest would run one on a 2-core
 * machine (its default is the cores less one): the files wait on databases, servers and child
 * processes far more than they compute, and each has databases of its own. On the CI machine
 * (2 cores) the suite took 565 s one file at a time and 404 s two at a time; three at a time was
 * slower again (591 s against 535 s for two, on 2026-12-07: the processes the files start contend).
 */
const onSqlite = { EMBEDDED_DB: "ferretdb-sqlite" };

export default [
  // Every package with tests has a vitest.config.ts (the dashboard's page is tested from local's).
  "packages/*/vitest.config.ts",
  "infra",
  {
    ...core,
    test: {
      ...core.test,
      name: "core-sqlite",
      root: "./packages/core",
      include: [
        "test/authentication-reads.test.ts",
        "test/cells.test.ts",
        "test/collection.test.ts",
        "test/data-conflicts.test.ts",
        "test/database-behaviour.test.ts",
        "test/domains.test.ts",
        "test/faults.test.ts",
        "test/members.test.ts",
        "test/organizations.test.ts",
        "test/policies.test.ts",
        "test/query-plans.test.ts",
        "test/security.test.ts",
      ],
      env: onSqlite,
    },
  },
  {
    ...local,
    test: {
      ...local.test,
      name: "local-sqlite",
      root: "./packages/local",
      include: ["test/concurrency.test.ts"],
      env: { ...local.test?.env, ...onSqlite },
    },
  },
];
