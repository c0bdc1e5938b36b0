import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    // The first run on a machine may build the database server before any test starts.
    hookTimeout: 300_000,
    testTimeout: 60_000,
  },
});
