#!/usr/bin/env node
/**
 * `pnpm test` runs vitest through this: the run gets a temporary directory of its own (TMPDIR,
 * which os.tmpdir() and every tool the tests start read), and when the run is over that directory
 * must be empty again — every database, cloud assembly, browser profile and mailbox the tests made
 * removed by whoever made it. What is left is listed and fails the run; the directory goes either
 * way, so the machine's temp directory holds nothing the run made.
 *
 * Plain JavaScript run by node, not tsx: tsx would make a cache directory in the real temp
 * directory before this could move it. The tsx processes the tests start (the server, the
 * commands: dozens of them) share one cache, `tsx-<uid>` in the run's directory, so that each
 * does not compile every source again: it is the tool's, not a test's, and goes with the
 * directory without counting as left behind.
 *
 * Usage: node packages/local/src/without-leftovers.mjs <command> [args…]
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Watchdogs of processes killed by the tests clean up just after them: give them this long. */
const SETTLE_MS = 10_000;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: without-leftovers <command> [args…]");
  process.exit(2);
}

const runDir = mkdtempSync(join(tmpdir(), "org-service-test-run-"));
// mkdtemp makes it 0700; the embedded PostgreSQL runs as an unprivileged user when the tests run
// as root, and must pass through it to its own directory (as through the temp directory itself).
chmodSync(runDir, 0o711);
const child = spawn(command, args, {
  stdio: "inherit",
  env: { ...process.env, TMPDIR: runDir, TEMP: runDir, TMP: runDir },
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));

const code = await new Promise((resolve) => {
  child.on("error", (error) => {
    console.error(`could not run ${command}: ${error.message}`);
    resolve(127);
  });
  child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});

/** tsx's compile cache (see above): shared by the run's tsx processes, removed with the directory. */
const isToolCache = (name) => /^tsx-\d+$/.test(name);
const leftovers = () => readdirSync(runDir).filter((name) => !isToolCache(name));

let left = leftovers();
for (const deadline = Date.now() + SETTLE_MS; left.length > 0 && Date.now() < deadline; left = leftovers()) {
  await sleep(250);
}
rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
if (left.length > 0) {
  console.error(`\nThe run left ${left.length} entr${left.length === 1 ? "y" : "ies"} in its temp directory:`);
  for (const name of left.sort()) console.error(`  ${name}`);
  process.exit(code === 0 ? 1 : code);
}
process.exit(code);
