import path from "node:path";
import { build } from "esbuild";
import { expect, it } from "vitest";
import { nodejsBundling } from "../functions";
import { ROOT } from "./synth";

/** The deployment's esbuild plugins applied to core's database module: which driver files go in. */
it("bundles the MongoDB driver and bson from their ES module sources, not their CommonJS builds", async () => {
  const result = await build({
    entryPoints: [path.join(ROOT, "packages/core/src/db/client.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: [...nodejsBundling.esbuild.external],
    alias: nodejsBundling.esbuild.alias,
    plugins: nodejsBundling.esbuild.plugins,
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs).toContainEqual(expect.stringMatching(/node_modules\/mongodb\/src\/mongo_client\.ts$/));
  expect(inputs.filter((file) => /node_modules\/mongodb\/lib\//.test(file))).toEqual([]);
  expect(inputs).toContainEqual(expect.stringMatching(/node_modules\/bson\/lib\/bson\.node\.mjs$/));
  expect(inputs.filter((file) => /node_modules\/bson\/lib\/bson\.cjs$/.test(file))).toEqual([]);
});
