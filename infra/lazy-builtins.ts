import { builtinModules } from "node:module";
import type { NodeJSProps } from "sst/constructs";

type EsbuildPlugin = NonNullable<NonNullable<NodeJSProps["esbuild"]>["plugins"]>[number];

/**
 * Node built-ins that the bundled packages import at the top of a module but that these functions
 * never use as deployed, and that a fresh process has not loaded yet:
 * - `http` and `https`: the driver's only use is fetching cloud credentials (AWS, Azure, GCP
 *   authentication), which no connection string of this service asks for; loading `http` also
 *   loads its client, server and agent.
 * - `stream/web`: Middy's only use is streamed responses, which no function here returns.
 *
 * Modules the functions do use (`tls`, `net`, `dns` and `crypto` on the first connection) are not
 * listed: deferring them would only move their cost from the init into the first request.
 */
export const LAZY_BUILTINS = ["http", "https", "stream/web"] as const;

const NAMESPACE = "lazy-builtin";

/**
 * The stand-in for one built-in: a CommonJS module whose every export is a getter that loads the
 * real module on first use. esbuild imports CommonJS through getters that read the module's
 * properties when they are used (`__toESM`), so `import * as http from "http"` at the top of the
 * driver costs nothing until `http.get` runs. Export names are the built-in's own, read at build
 * time; a name only a newer Node has reads as absent, which code that feature-detects expects of an
 * older Node.
 */
async function standInSource(id: string): Promise<string> {
  const names = Object.keys(await import(`node:${id}`)).filter((name) => name !== "default");
  return [
    "let loaded;",
    `const load = () => (loaded ??= require(${JSON.stringify(`node:${id}`)}));`,
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
    "",
  ].join("\n");
}

/**
 * Loads the built-ins in `LAZY_BUILTINS` when the bundle first uses them instead of when it is
 * imported, so a cold start does not pay for modules it never uses (`pnpm bench`, section 1).
 */
export const lazyBuiltinsPlugin: EsbuildPlugin = {
  name: "lazy-builtins",
  setup(build) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join("|").replaceAll("/", "\\/")})$`);
    build.onResolve({ filter }, (args) => {
      // The stand-in's own `require` of the real module stays external.
      if (args.namespace === NAMESPACE) return { path: args.path, external: true };
      const id = args.path.replace(/^node:/, "");
      return builtinModules.includes(id) ? { path: id, namespace: NAMESPACE } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => ({
      contents: await standInSource(args.path),
      loader: "js",
    }));
  },
};
