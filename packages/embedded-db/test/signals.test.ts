import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { EmbeddedProcess } from "../src/index";
import {
  acceptsConnections,
  childrenOf,
  FERRETDB_KINDS,
  type FerretDbKind,
  ferretEnv,
  isProcessAlive,
  portOf,
  waitUntilGone,
} from "./helpers";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, "fixtures", "start-db.ts");
const repoRoot = join(here, "..", "..", "..");

interface ServerInfo {
  kind: string;
  processes: EmbeddedProcess[];
  dataDir: string;
  uri: string;
}

interface Info extends ServerInfo {
  watchdog: number | undefined;
}

interface Started {
  child: ReturnType<typeof spawn>;
  /** One server, or each of a group's. */
  servers: ServerInfo[];
  /** Every process that must be gone afterwards: the databases', PostgreSQL's workers, the watchdog. */
  pids: number[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/**
 * Starts the fixture in its own node process (tsx loader) and waits for its JSON line. With
 * `count`, the fixture starts that many servers as one group.
 */
async function startFixture(mode: string, kind: FerretDbKind = "ferretdb-postgres", count?: number): Promise<Started> {
  // cwd = repo root so that `--import tsx` resolves the workspace's tsx.
  const args = ["--import", "tsx", fixture, mode, ...(count === undefined ? [] : [String(count)])];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: ferretEnv(kind),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const info = await new Promise<Info | { servers: ServerInfo[]; watchdog: number | undefined }>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf("\n");
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)));
    });
    void exit.then(({ code, signal }) =>
      reject(new Error(`fixture exited early (code ${code}, signal ${signal}):\n${stderr}`)),
    );
  });
  const servers = "servers" in info ? info.servers : [info];
  expect(servers).toHaveLength(count ?? 1);
  expect(info.watchdog).toBeTypeOf("number");
  const pids: number[] = [info.watchdog!];
  for (const server of servers) {
    expect(server.kind).toBe(kind);
    expect(server.processes.map((p) => p.name)).toEqual(
      kind === "ferretdb-postgres" ? ["ferretdb", "postgres"] : ["ferretdb"],
    );
    const postgres = server.processes.find((p) => p.name === "postgres");
    pids.push(...server.processes.map((p) => p.pid), ...(postgres ? childrenOf(postgres.pid) : []));
  }
  for (const pid of pids) expect(isProcessAlive(pid)).toBe(true);
  return { child, servers, pids, exit, stderr: () => stderr };
}

async function expectNothingLeft({ servers, pids }: Started): Promise<void> {
  for (const pid of pids) expect(await waitUntilGone(pid)).toBe(true);
  for (const { uri, dataDir } of servers) {
    expect(await acceptsConnections(portOf(uri))).toBe(false);
    // The watchdog removes the dir after the processes are gone: poll, bounded.
    const deadline = Date.now() + 10_000;
    while (existsSync(dataDir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(dataDir)).toBe(false);
  }
}

describe("the database does not outlive its parent", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} to the parent (no own handler): parent dies of the signal, the database is stopped`, async () => {
      const started = await startFixture("wait");
      started.child.kill(signal); // only the parent: the database gets no signal from us
      expect(await started.exit).toEqual({ code: null, signal });
      await expectNothingLeft(started);
    });
  }

  it("SIGTERM with an application handler: shutdown is left to the app, the database stops on exit", async () => {
    const started = await startFixture("own-handler");
    started.child.kill("SIGTERM");
    expect(await started.exit).toEqual({ code: 3, signal: null });
    await expectNothingLeft(started);
  });

  it("process.exit() without stop()", async () => {
    const started = await startFixture("exit");
    expect(await started.exit).toEqual({ code: 0, signal: null });
    await expectNothingLeft(started);
  });

  it("uncaught exception without stop()", async () => {
    const started = await startFixture("throw");
    expect(await started.exit).toEqual({ code: 1, signal: null });
    expect(started.stderr()).toContain("fixture: deliberate crash");
    await expectNothingLeft(started);
  });

  it("stop() and nothing else: the process ends by itself (the watchdog holds it by no handle), and so does the watchdog", async () => {
    const started = await startFixture("stop");
    expect(await started.exit).toEqual({ code: 0, signal: null });
    await expectNothingLeft(started);
  });

  // The parent runs no code at all: the watchdog, seeing its pipe close, does everything.
  it.each(FERRETDB_KINDS)(
    "SIGKILL to the parent (%s): the watchdog stops everything and removes the dir",
    async (kind) => {
      const started = await startFixture("wait", kind);
      started.child.kill("SIGKILL");
      expect(await started.exit).toEqual({ code: null, signal: "SIGKILL" });
      await expectNothingLeft(started);
    },
  );

  it("SIGKILL to the parent of a group of three (startEmbeddedDatabases): every server goes", async () => {
    const started = await startFixture("wait", "ferretdb-postgres", 3);
    expect(new Set(started.servers.map((s) => s.dataDir)).size).toBe(3);
    started.child.kill("SIGKILL");
    expect(await started.exit).toEqual({ code: null, signal: "SIGKILL" });
    await expectNothingLeft(started);
  });
});
