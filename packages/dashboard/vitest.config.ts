import { defineProject } from "vitest/config";
import { viteTextImportPlugin } from "../functions/text-imports";

export default defineProject({
  // `<file>?gzip` imports (Swagger UI's large files, in the docs handler); `?raw` is Vite's own.
  plugins: [viteTextImportPlugin],
  test: {
    name: "dashboard",
    include: ["test/**/*.test.ts"],
    // A database, and Debian's Chromium (installed when missing) for the browser test.
    globalSetup: ["../embedded-db/src/vitest-global-setup.ts", "./test/chromium-setup.ts"],
    // Installing Chromium on a fresh machine takes a while.
    hookTimeout: 600_000,
    testTimeout: 120_000,
    // The local server logs a line per request; only warnings and errors here.
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
    // Vitest replaces CSS imports with empty modules unless told otherwise; the handlers import
    // stylesheets as text (`?raw`) to serve them.
    css: { include: [/\.css\?raw$/] },
  },
});
