import { defineProject } from "vitest/config";
import { viteTextImportPlugin } from "./text-imports";

export default defineProject({
  // `<file>?gzip` imports (Swagger UI's large files, in the docs handler); `?raw` is Vite's own.
  plugins: [viteTextImportPlugin],
  test: {
    name: "functions",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 60_000,
    // A JSON log line per request would flood the output; logging.test.ts sets its own level.
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
    // Vitest replaces CSS imports with empty modules unless told otherwise; the dashboard handler
    // imports its stylesheet as text (`?raw`) to serve it.
    css: { include: [/\.css\?raw$/] },
  },
});
