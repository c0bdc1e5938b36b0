import { existsSync } from "node:fs";
import path from "node:path";
import type { NodeJSProps } from "sst/constructs";

type EsbuildPlugin = NonNullable<NonNullable<NodeJSProps["esbuild"]>["plugins"]>[number];

/**
 * Bundles the MongoDB driver from the TypeScript sources it publishes (`mongodb/src`) instead of
 * its CommonJS build (`mongodb/lib`).
 *
 * Why: the CommonJS build reaches esbuild as ~130 modules, each wrapped in a closure that runs on
 * `require`, and pulls in bson's CommonJS build whole. From the sources esbuild sees ES modules:
 * one hoisted scope, bson's ES module build, and the parts of both that nothing uses left out. The
 * driver shrinks by about a quarter, and so does the init of a function that uses it (`pnpm bench`,
 * section 1). Same driver version, same code: the package ships `src` for its
 * source maps, and the driver's own tsconfig.json (which esbuild reads for those files) keeps its
 * class-field semantics.
 *
 * Only the deployed bundles use this; tests and `pnpm start` run the published build, and the
 * bundle tests (infra/test/bundle.test.ts) run these bundles against a real database.
 */
export const mongodbSourcePlugin: EsbuildPlugin = {
  name: "mongodb-source",
  setup(build) {
    build.onResolve({ filter: /^mongodb$/ }, async (args) => {
      // The package the importer would get (packages/core's), located through its package.json.
      const manifest = await build.resolve("mongodb/package.json", {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
      });
      if (manifest.errors.length > 0) return { errors: manifest.errors };
      const source = path.join(path.dirname(manifest.path), "src", "index.ts");
      if (!existsSync(source))
        return {
          errors: [
            { text: `the mongodb package at ${path.dirname(manifest.path)} ships no src/index.ts to bundle from` },
          ],
        };
      return { path: source };
    });
  },
};
