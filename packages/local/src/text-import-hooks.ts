import { fileURLToPath } from "node:url";
import type { LoadHook, ResolveHook } from "node:module";
import { loadTextImport, TEXT_IMPORT, type TextImportKind } from "@org-service/functions/text-imports";

/**
 * Node.js module hooks for `import text from "<file>?raw"` (the file's content as a string) and
 * `import gzipped from "<file>?gzip"` (the base64 of the gzipped file), which vitest and the
 * deployed bundle get from the plugins of packages/functions/text-imports.ts. `pnpm start` runs handlers
 * from source under tsx, which has no such loader, so the local server registers these (see
 * main.ts); the content comes from that same module, so it is what deployed functions carry.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const kind = TEXT_IMPORT.exec(specifier)?.[1];
  if (!kind) return nextResolve(specifier, context);
  const resolved = await nextResolve(specifier.replace(TEXT_IMPORT, ""), context);
  return { ...resolved, url: `${resolved.url}?${kind}`, format: "module", shortCircuit: true };
};

export const load: LoadHook = async (url, context, nextLoad) => {
  const kind = TEXT_IMPORT.exec(url)?.[1] as TextImportKind | undefined;
  if (!kind) return nextLoad(url, context);
  const text = await loadTextImport(fileURLToPath(url.replace(TEXT_IMPORT, "")), kind);
  return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
};
