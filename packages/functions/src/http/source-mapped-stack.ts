import { readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Deployed functions are minified bundles with their source maps beside them. Node could map every
 * stack itself (`--enable-source-maps`), but it then reads and indexes the maps of the whole bundle
 * on each cold start, before the first request: some 8 ms of a ~43 ms init here (`pnpm bench`
 * prints the figure). Only the stacks of unexpected errors are ever read, so they are mapped when
 * logged instead, with Node's own source-map reader: one map per bundle file, read once per
 * container, on the first error that needs it.
 */
const maps = new Map<string, Promise<SourceMap | undefined>>();

function sourceMapOf(file: string): Promise<SourceMap | undefined> {
  let map = maps.get(file);
  if (!map) {
    // No map next to the file (Node's own modules, tests running the TypeScript), or none that
    // parses: the frame is left as it is.
    map = readFile(`${file}.map`, "utf8")
      .then((text) => new SourceMap(JSON.parse(text)))
      .catch(() => undefined);
    maps.set(file, map);
  }
  return map;
}

/** `at fn (file:///var/task/get.mjs:6:1234)` or `at /var/task/get.mjs:6:1234`: file, line, column. */
const FRAME_LOCATION = /(?<=\(|at )((?:file:\/\/)?\/[^\s()]+\.[cm]?js):(\d+):(\d+)(?=\)?$)/;

/** `../../../node_modules/.pnpm/x@1/node_modules/x/src/a.ts` → `x/src/a.ts`; `../../packages/…` → `packages/…`. */
function readableSource(source: string): string {
  const inPackage = source.lastIndexOf("node_modules/");
  if (inPackage >= 0) return source.slice(inPackage + "node_modules/".length);
  return source.replace(/^(\.\.\/)+/, "");
}

async function sourceMappedFrame(line: string): Promise<string> {
  const match = FRAME_LOCATION.exec(line);
  if (!match) return line;
  const [location, file, lineNumber, columnNumber] = match as unknown as [string, string, string, string];
  const map = await sourceMapOf(file.startsWith("file://") ? fileURLToPath(file) : file);
  const origin = map?.findOrigin(Number(lineNumber), Number(columnNumber));
  if (!origin || !("fileName" in origin)) return line;
  return line.replace(location, `${readableSource(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`);
}

/**
 * The stack with each frame in a bundle pointed at the TypeScript (or package source) it came from.
 * Never fails: logging an error must not raise another, so what cannot be mapped stays as it was.
 */
export async function sourceMappedStack(stack: string): Promise<string> {
  const lines = await Promise.all(stack.split("\n").map((line) => sourceMappedFrame(line).catch(() => line)));
  return lines.join("\n");
}
