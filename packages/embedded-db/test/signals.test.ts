import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { acceptsConnections, ferretEnv, isProcessAlive, portOf, waitUntilGone } from "./helpers";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, "fixtures", "start-db.ts");
const repoRoot = join(here, "..", "..", "..");

interface Started {
  child: ReturnType<typeof spawn>;
  info: { kind: string; pid: number; dataDir: string; uri: string; watchdog: number };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts the fixture in its own node process (tsx loader) and waits for its JSON line. */
async function startFixture(mode: string): Promise<Started> {
  // cwd = repo root so that `--import tsx` resolves the workspace's tsx.
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], {
    cwd: repoRoot,
    env: ferretEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const info = await new Promise<Started["info"]>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf("\n");
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)));
    });
    void exit.then(({ code, signal }) =>
      reject(new Error(`fixture exited early (code ${code}, signal ${signal}):\n${stderr}`)),
    );
  });
  expect(info.kind).toBe("ferretdb");
  expect(isProcessAlive(info.pid)).toBe(true);
  expect(isProcessAlive(info.watchdog)).toBe(true);
  return { child, info, exit, stderr: () => stderr };
}

async function expectNothingLeft(info: Started["info"]): Promise<void> {
  expect(await waitUntilGone(info.pid)).toBe(true);
  expect(await waitUntilGone(info.watchdog)).toBe(true);
  expect(await acceptsConnections(portOf(info.uri))).toBe(false);
  // After a SIGKILL the watchdog removes the dir once the server is gone: poll, bounded.
  const deadline = Date.now() + 10_000;
  while (existsSync(info.dataDir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(info.dataDir)).toBe(false);
}

describe("the FerretDB child does not outlive its parent", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} to the parent (no own handler): parent dies of the signal, FerretDB is killed`, async () => {
      const { child, info, exit } = await startFixture("wait");
      child.kill(signal); // only the parent: FerretDB itself gets no signal from us
      expect(await exit).toEqual({ code: null, signal });
      await expectNothingLeft(info);
    });
  }

  it("SIGTERM with an application handler: shutdown is left to the app, FerretDB dies on exit", async () => {
    const { child, info, exit } = await startFixture("own-handler");
    child.kill("SIGTERM");
    expect(await exit).toEqual({ code: 3, signal: null });
    await expectNothingLeft(info);
  });

  it("process.exit() without stop()", async () => {
    const { info, exit } = await startFixture("exit");
    expect(await exit).toEqual({ code: 0, signal: null });
    await expectNothingLeft(info);
  });

  // The parent runs no code at all: the watchdog, seeing its pipe close, does everything.
  it("SIGKILL to the parent: the watchdog kills FerretDB and removes the dir", async () => {
    const { child, info, exit } = await startFixture("wait");
    child.kill("SIGKILL");
    expect(await exit).toEqual({ code: null, signal: "SIGKILL" });
    await expectNothingLeft(info);
  });

  it("uncaught exception without stop()", async () => {
    const { info, exit, stderr } = await startFixture("throw");
    expect(await exit).toEqual({ code: 1, signal: null });
    expect(stderr()).toContain("fixture: deliberate crash");
    await expectNothingLeft(info);
  });
});
