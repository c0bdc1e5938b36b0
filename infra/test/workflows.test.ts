/**
 * Lints the GitHub Actions workflows with actionlint (which also runs shellcheck on `run:` scripts
 * when shellcheck is installed). actionlint is a Go program: it is taken from $ACTIONLINT or PATH,
 * else built once from the Go module proxy into the user cache. The test is skipped only when no
 * binary can be had (no Go toolchain, no proxy).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, expect, it } from "vitest";
import { ROOT } from "./synth";

const run = promisify(execFile);
const ACTIONLINT_MODULE = "github.com/rhysd/actionlint";
const ACTIONLINT_VERSION = "v1.7.7";

async function works(binary: string): Promise<boolean> {
  try {
    await run(binary, ["-version"], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function findOrBuildActionlint(): Promise<string | undefined> {
  for (const candidate of [process.env.ACTIONLINT, "actionlint"]) {
    if (candidate && (await works(candidate))) return candidate;
  }
  const xdg = process.env.XDG_CACHE_HOME;
  const cacheHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), ".cache");
  const binDir = path.join(cacheHome, "org-service", `actionlint-${ACTIONLINT_VERSION}`);
  const binary = path.join(binDir, "actionlint");
  if (existsSync(binary) && (await works(binary))) return binary;
  if (
    !(await run("go", ["version"]).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  mkdirSync(binDir, { recursive: true });
  const env = { ...process.env, GOBIN: binDir, GOFLAGS: "-mod=mod", GOWORK: "off" };
  try {
    await run("go", ["install", `${ACTIONLINT_MODULE}/cmd/actionlint@${ACTIONLINT_VERSION}`], {
      env,
      timeout: 300_000,
    });
  } catch {
    // Some proxies refuse the `@v/list` lookup `go install` makes; a throwaway module avoids it.
    const work = mkdtempSync(path.join(tmpdir(), "actionlint-"));
    try {
      await run("go", ["mod", "init", "actionlint.build"], { cwd: work, env, timeout: 60_000 });
      await run("go", ["get", `${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION}`], { cwd: work, env, timeout: 300_000 });
      await run("go", ["build", "-o", binary, `${ACTIONLINT_MODULE}/cmd/actionlint`], {
        cwd: work,
        env,
        timeout: 300_000,
      });
    } catch {
      return undefined;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return (await works(binary)) ? binary : undefined;
}

let actionlint: string | undefined;
beforeAll(async () => {
  actionlint = await findOrBuildActionlint();
}, 900_000);

it("passes actionlint", async (context) => {
  if (!actionlint) {
    context.skip("actionlint is not installed and could not be built (needs Go and a module proxy)");
    return;
  }
  const result = await run(actionlint, ["-no-color"], { cwd: ROOT, timeout: 60_000 }).then(
    () => ({ code: 0, output: "" }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      output: `${error.stdout ?? ""}${error.stderr ?? ""}`,
    }),
  );
  expect(result.output).toBe("");
  expect(result.code).toBe(0);
});
