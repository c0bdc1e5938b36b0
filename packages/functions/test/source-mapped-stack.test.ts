import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sourceMappedStack } from "../src/http/source-mapped-stack";

const FIXTURE = path.join(import.meta.dirname, "fixtures", "failing-module.ts");
let outdir: string;
let stack: string;

/** The fixture minified into one line, its map beside it without the sources' text, as deployed. */
beforeAll(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), "stack-"));
  await build({
    entryPoints: [FIXTURE],
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: "silent",
  });
  // In a plain Node process, as on Lambda: this one maps stacks itself, as test runners do.
  const bundle = pathToFileURL(path.join(outdir, "failing-module.mjs")).href;
  const script = `try { (await import(${JSON.stringify(bundle)})).callThatFails(); } catch (error) { process.stdout.write(error.stack); }`;
  ({ stdout: stack } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH },
  }));
});
afterAll(() => rm(outdir, { recursive: true, force: true }));

it("points each frame in a bundle at the TypeScript line it came from", async () => {
  expect(stack).toMatch(/failing-module\.mjs:\d+:\d+/);
  const mapped = await sourceMappedStack(stack);
  const frames = mapped.split("\n").slice(1);
  // The throw (line 3) and the call into it (line 7), in that order.
  expect(frames[0]).toMatch(/fixtures\/failing-module\.ts:3:\d+\)?$/);
  expect(frames[1]).toMatch(/fixtures\/failing-module\.ts:7:\d+\)?$/);
  expect(mapped).not.toContain("failing-module.mjs");
  expect(mapped.split("\n")[0]).toBe("Error: failed: on purpose");
});

it("leaves frames without a source map as they are", async () => {
  const frames = stack.split("\n").filter((line) => !line.includes("failing-module.mjs"));
  expect(frames.length).toBeGreaterThan(1);
  const mapped = await sourceMappedStack(frames.join("\n"));
  expect(mapped).toBe(frames.join("\n"));
});

it("leaves a frame as it is when its map cannot be read", async () => {
  const broken = path.join(outdir, "broken.mjs");
  await writeFile(`${broken}.map`, "{ not json");
  const frame = `    at thrower (file://${broken}:1:10)`;
  expect(await sourceMappedStack(`Error: x\n${frame}`)).toBe(`Error: x\n${frame}`);
});
