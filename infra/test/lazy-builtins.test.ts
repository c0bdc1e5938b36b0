import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { lazyBuiltinsPlugin } from "../lazy-builtins";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lazy-builtins-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Bundles `source` as the deployment does (ESM, with `require` from the banner) and runs `script` after importing it, in a fresh Node. */
async function bundleAndRun(source: string, script: string): Promise<unknown> {
  await writeFile(path.join(dir, "entry.ts"), source);
  await build({
    entryPoints: [path.join(dir, "entry.ts")],
    outfile: path.join(dir, "entry.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    minify: true,
    logLevel: "silent",
    banner: { js: `import { createRequire } from "module"; const require = createRequire(import.meta.url);` },
    plugins: [lazyBuiltinsPlugin],
  });
  const runner = [
    `const loaded = (id) => process.moduleLoadList.includes("NativeModule " + id);`,
    `const bundle = await import(${JSON.stringify(path.join(dir, "entry.mjs"))});`,
    script,
  ].join("\n");
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", runner], {
    env: { PATH: process.env.PATH },
  });
  return JSON.parse(stdout);
}

it("loads http and stream/web on first use, not on import, and they work as the real modules", async () => {
  const source = [
    `import * as http from "node:http";`,
    `import { Agent } from "https";`,
    `import { ReadableStream } from "node:stream/web";`,
    `export const statusText = (code: number) => http.STATUS_CODES[code];`,
    `export const httpsAgentIsHttpAgent = () => new Agent() instanceof http.Agent;`,
    `export const isWebStream = (value: unknown) => value instanceof ReadableStream;`,
  ].join("\n");
  const script = [
    `const atImport = { http: loaded("http"), web: loaded("stream/web") };`,
    `const text = bundle.statusText(404);`,
    `const afterHttp = { http: loaded("http"), web: loaded("stream/web") };`,
    `const webStream = bundle.isWebStream(new ReadableStream());`,
    `process.stdout.write(JSON.stringify({ atImport, text, afterHttp, agents: bundle.httpsAgentIsHttpAgent(), webStream, afterWeb: loaded("stream/web") }));`,
  ].join("\n");
  expect(await bundleAndRun(source, script)).toEqual({
    atImport: { http: false, web: false },
    text: "Not Found",
    afterHttp: { http: true, web: false },
    agents: true,
    webStream: true,
    afterWeb: true,
  });
});

it("leaves the other built-ins as they are", async () => {
  const source = `import * as zlib from "node:zlib";\nexport const roundTrip = (text: string) => zlib.gunzipSync(zlib.gzipSync(text)).toString();`;
  const script = `process.stdout.write(JSON.stringify({ zlib: loaded("zlib"), text: bundle.roundTrip("kept") }));`;
  expect(await bundleAndRun(source, script)).toEqual({ zlib: true, text: "kept" });
});
