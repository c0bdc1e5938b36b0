import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../src/index";
import { ferretEnv, quiet } from "./helpers";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");

/** TCP ports a process listens on, from /proc: its socket inodes matched against /proc/net/tcp{,6}. */
function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is fields[1] ("0100007F:1F90"), st fields[3] (0A = LISTEN), inode fields[9].
      if (fields[3] === "0A" && inodes.has(fields[9]!)) ports.push(Number.parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}

describe("PostgreSQL under FerretDB", () => {
  let db: EmbeddedDatabase;
  beforeAll(async () => {
    db = await startEmbeddedDatabase({ env: ferretEnv("ferretdb-postgres"), log: quiet });
  });
  afterAll(async () => {
    await db?.stop();
  });

  it("listens on a Unix socket in a private directory and on no TCP port", () => {
    const postgres = db.processes.find((p) => p.name === "postgres")!;
    const ferretdb = db.processes.find((p) => p.name === "ferretdb")!;
    const runDir = join(db.dataDir!, "postgres", "run");
    expect(statSync(join(runDir, ".s.PGSQL.5432")).isSocket()).toBe(true);
    expect(statSync(runDir).mode & 0o077).toBe(0); // nobody but its owner (and root) may connect
    expect(listeningTcpPorts(postgres.pid)).toEqual([]);
    // FerretDB, by contrast, listens on the loopback port of the URI.
    expect(listeningTcpPorts(ferretdb.pid)).toContain(Number(new URL(db.uri).port));
  });

  it("runs as an unprivileged user when we are root (PostgreSQL refuses root), as us otherwise", () => {
    const postgres = db.processes.find((p) => p.name === "postgres")!;
    const uid = uidOf(postgres.pid);
    if (process.getuid!() === 0) {
      expect(uid).not.toBe(0);
      expect(db.description).toMatch(/run as nobody/);
    } else {
      expect(uid).toBe(process.getuid!());
    }
  });
});

/** Our temp dirs in `dir` (tsx keeps its cache in the same TMPDIR). */
async function ours(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith("org-service-"));
}

/** Runs the signals fixture to its first output line or its exit; returns what it printed. */
async function runFixture(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "fixtures", "start-db.ts"), "exit"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

// A real reason PostgreSQL cannot start: a temp dir so deep that its Unix socket's path does not fit
// in sockaddr_un (the fixture runs with that TMPDIR).
describe("when PostgreSQL cannot start", () => {
  let deepTmp: string;
  beforeAll(async () => {
    deepTmp = join(tmpdir(), `embedded-db-deep-${"d".repeat(90)}`);
    await mkdir(deepTmp, { recursive: true });
  });
  afterAll(async () => {
    await rm(deepTmp, { recursive: true, force: true });
  });

  it("EMBEDDED_DB=ferretdb (as auto, without mongod) falls back to SQLite and says why in one line", async () => {
    const { code, stdout, stderr } = await runFixture(
      ferretEnv("ferretdb-sqlite", { EMBEDDED_DB: "ferretdb", TMPDIR: deepTmp }),
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout.split("\n")[0]!)).toMatchObject({ kind: "ferretdb-sqlite" });
    const reasons = stderr.split("\n").filter((line) => line.startsWith("FerretDB on SQLite"));
    expect(reasons).toEqual([
      expect.stringMatching(/^FerretDB on SQLite, as PostgreSQL cannot start here: the socket path .+ is too long/),
    ]);
    // Nothing left behind by the attempt (nor, after its exit, by the SQLite server).
    expect(await ours(deepTmp)).toEqual([]);
  });

  it("EMBEDDED_DB=ferretdb-postgres fails instead, with the reason", async () => {
    const { code, stdout, stderr } = await runFixture(ferretEnv("ferretdb-postgres", { TMPDIR: deepTmp }));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/EMBEDDED_DB=ferretdb-postgres but PostgreSQL cannot start: the socket path .+ is too long/);
    expect(await ours(deepTmp)).toEqual([]);
  });
});
