import { defineProject } from "vitest/config";
import { viteTextImportPlugin } from "../functions/text-imports";

export default defineProject({
  // `<file>?gzip` imports (Swagger UI's large files, in the docs handler); `?raw` is Vite's own.
  plugins: [viteTextImportPlugin],
  test: {
    name: "local",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts"],
    hookTimeout: 300_000,
    testTimeout: 120_000,
    // A JSON log line per request would flood the output; logging.test.ts sets its own level.
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
  },
});
