import { defineProject } from "vitest/config";
import { viteTextImportPlugin } from "../functions/text-imports";

export default defineProject({
  // `<file>?gzip` imports (Swagger UI's large files, in the docs handler); `?raw` is Vite's own.
  plugins: [viteTextImportPlugin],
  test: {
    name: "local",
    include: ["test/**/*.test.ts"],
    // A database, Debian's Chromium (installed when missing) for the dashboard's browser test, and
    // the command-line entry points bundled for the tests that run them as processes.
    globalSetup: [
      "../embedded-db/src/vitest-global-setup.ts",
      "./test/support/chromium-setup.ts",
      "./test/support/test-bundles.ts",
    ],
    // Installing Chromium on a fresh machine takes a while.
    hookTimeout: 600_000,
    testTimeout: 120_000,
    // A JSON log line per request would flood the output; logging.test.ts sets its own level.
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
    // Vitest replaces CSS imports with empty modules unless told otherwise; the dashboard handler
    // imports its stylesheet as text (`?raw`) to serve it.
    css: { include: [/\.css\?raw$/] },
  },
});
