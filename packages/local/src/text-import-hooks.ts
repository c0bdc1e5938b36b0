import { readFile } from "node:fs/promises";
import type { LoadHook, ResolveHook } from "node:module";

/**
 * Node.js module hooks for `import text from "<file>?raw"` — the file's content as a string,
 * the convention Vite (and so vitest) supports natively and the deployed bundle gets from an
 * esbuild plugin (infra/text-import-plugin.ts). `pnpm start` runs handlers from source under
 * tsx, which has no such loader, so the local server registers these (see main.ts).
 */
const RAW = /\?raw$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (!RAW.test(specifier)) return nextResolve(specifier, context);
  const resolved = await nextResolve(specifier.replace(RAW, ""), context);
  return { ...resolved, url: `${resolved.url}?raw`, format: "module", shortCircuit: true };
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!RAW.test(url)) return nextLoad(url, context);
  const text = await readFile(new URL(url.replace(RAW, "")), "utf8");
  return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
};
