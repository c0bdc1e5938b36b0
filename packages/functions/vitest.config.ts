import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "functions",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 60_000,
  },
});
