import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "functions",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 60_000,
    // A JSON log line per request would flood the output; logging.test.ts sets its own level.
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
    // Vitest replaces CSS imports with empty modules unless told otherwise; the docs and dashboard
    // handlers import stylesheets as text (`?raw`) to serve them.
    css: { include: [/\.css\?raw$/] },
  },
});
