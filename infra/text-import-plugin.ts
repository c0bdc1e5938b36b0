import { readFile } from "node:fs/promises";
import type { NodeJSProps } from "sst/constructs";

type EsbuildPlugin = NonNullable<NonNullable<NodeJSProps["esbuild"]>["plugins"]>[number];

const RAW = /\?raw$/;

/**
 * `import text from "<file>?raw"` → the file's content as a string, inlined in the bundle. Vite's
 * convention (vitest supports it natively; `pnpm start` through packages/local/src/text-import-hooks.ts),
 * so one import works in tests, locally and deployed. It is how the dashboard and the Swagger UI
 * files (from the `swagger-ui-dist` package) travel inside their Lambda functions: no copying of
 * files next to the bundle, no CDN, and a missing file fails the build.
 *
 * A plugin rather than an esbuild `loader`: loaders go by extension, and `.js` must stay code for
 * every other import.
 */
export const textImportPlugin: EsbuildPlugin = {
  name: "text-import",
  setup(build) {
    build.onResolve({ filter: RAW }, async (args) => {
      const resolved = await build.resolve(args.path.replace(RAW, ""), { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, namespace: "text-import" };
    });
    build.onLoad({ filter: /.*/, namespace: "text-import" }, async (args) => ({
      contents: await readFile(args.path, "utf8"),
      loader: "text",
    }));
  },
};
