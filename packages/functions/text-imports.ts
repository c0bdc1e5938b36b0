import { readFile } from "node:fs/promises";
import { constants, gzipSync } from "node:zlib";
import type { NodeJSProps } from "sst/constructs";
import type { Plugin as VitePlugin } from "vitest/config";

type EsbuildPlugin = NonNullable<NonNullable<NodeJSProps["esbuild"]>["plugins"]>[number];

/**
 * Files imported as text, inlined in the bundle, in one of two forms chosen by the import's suffix:
 *
 * - `import text from "<file>?raw"` → the file's content as a string. Vite's convention (vitest
 *   supports it natively).
 * - `import gzipped from "<file>?gzip"` → the base64 of the gzipped file, without a trailing
 *   `sourceMappingURL` comment. For the large files (Swagger UI's): compressed once at build time
 *   the bundle carries a third of the bytes, and the function serves them as they are to clients
 *   that accept gzip (packages/functions/src/http/static-assets.ts).
 *
 * One import works in tests, locally and deployed: this module is the only implementation, used
 * by the esbuild plugin below (the deployed bundle), the Vite plugin below (vitest, `?gzip` only)
 * and the Node.js module hooks of `pnpm start` (packages/local/src/text-import-hooks.ts). It is how
 * the dashboard and the Swagger UI files (from the `swagger-ui-dist` package) travel inside their
 * Lambda functions: no copying of files next to the bundle, no CDN, and a missing file fails the
 * build.
 */
export const TEXT_IMPORT = /\?(raw|gzip)$/;

export type TextImportKind = "raw" | "gzip";

/** What `<file>?<kind>` imports: the string its module's default export is. */
export async function loadTextImport(file: string, kind: TextImportKind): Promise<string> {
  const text = await readFile(file, "utf8");
  if (kind === "raw") return text;
  // Source maps are not shipped: left in, the comment would make browsers ask for a missing file.
  // Level 9, and no timestamp in the header (Node writes none): the same file always gives the
  // same bytes, so the asset's version, a hash of them, changes only when the file does.
  return gzipSync(withoutSourceMap(text), { level: constants.Z_BEST_COMPRESSION }).toString("base64");
}

/** The text without a trailing `//# sourceMappingURL=…` or `/*# sourceMappingURL=… *\/` comment. */
export function withoutSourceMap(text: string): string {
  return text.replace(/\n?\/[/*]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, "");
}

function kindOf(specifier: string): TextImportKind | undefined {
  return TEXT_IMPORT.exec(specifier)?.[1] as TextImportKind | undefined;
}

/**
 * The esbuild plugin of the deployed functions (infra/functions.ts). A plugin rather than an
 * esbuild `loader`: loaders go by extension, and `.js` must stay code for every other import.
 */
export const textImportPlugin: EsbuildPlugin = {
  name: "text-import",
  setup(build) {
    build.onResolve({ filter: TEXT_IMPORT }, async (args) => {
      const kind = kindOf(args.path)!;
      const resolved = await build.resolve(args.path.replace(TEXT_IMPORT, ""), {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      // The namespace keeps the two forms of one file apart.
      return { path: resolved.path, namespace: `text-import-${kind}` };
    });
    build.onLoad({ filter: /.*/, namespace: "text-import-raw" }, async (args) => ({
      contents: await loadTextImport(args.path, "raw"),
      loader: "text",
    }));
    build.onLoad({ filter: /.*/, namespace: "text-import-gzip" }, async (args) => ({
      contents: await loadTextImport(args.path, "gzip"),
      loader: "text",
    }));
  },
};

const GZIP_ID_PREFIX = "\0text-import-gzip:";

/**
 * `?gzip` for vitest (added to the vitest configs of the packages whose tests load the docs
 * handler). `?raw` stays Vite's own. The module gets a virtual id ending in `.gz`, not the file's
 * path with `?gzip`: an id ending in `.css` or `.css?…` would be taken for a stylesheet by Vite's
 * CSS plugins (and emptied by vitest's).
 */
export const viteTextImportPlugin: VitePlugin = {
  name: "text-import-gzip",
  enforce: "pre",
  async resolveId(source, importer, options) {
    if (kindOf(source) !== "gzip") return null;
    const resolved = await this.resolve(source.replace(TEXT_IMPORT, ""), importer, { ...options, skipSelf: true });
    return resolved && `${GZIP_ID_PREFIX}${resolved.id}.gz`;
  },
  async load(id) {
    if (!id.startsWith(GZIP_ID_PREFIX)) return null;
    const file = id.slice(GZIP_ID_PREFIX.length, -".gz".length);
    this.addWatchFile(file);
    return `export default ${JSON.stringify(await loadTextImport(file, "gzip"))};`;
  },
};
