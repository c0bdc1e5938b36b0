import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "infra",
    include: ["test/**/*.test.ts"],
    // SST keeps its project and app in module state, and synthesis chdirs: one process per file.
    pool: "forks",
    // Synthesizing, and above all bundling every handler, is slow on small CI runners.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
