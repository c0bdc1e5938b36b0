import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "local",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 120_000,
  },
});
