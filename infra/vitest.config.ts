import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "infra",
    include: ["test/**/*.test.ts"],
    // SST keeps its project and app in module state, and synthesis chdirs: one process per file.
    pool: "forks",
    // A real database, so that bundled functions are run against one (bundle.test.ts).
    globalSetup: ["../packages/embedded-db/src/vitest-global-setup.ts"],
    // Synthesizing, and above all bundling every handler, is slow on small CI runners.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
