import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, expect, it } from "vitest";
import { withDirLock } from "../src/dir-lock";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "embedded-db-lock-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("serialises holders and releases the lock afterwards", async () => {
  const lock = join(dir, "lock");
  const events: string[] = [];
  const holder = (name: string) =>
    withDirLock(
      lock,
      async () => {
        events.push(`${name}:in`);
        await sleep(150);
        events.push(`${name}:out`);
      },
      { pollMs: 20 },
    );
  await Promise.all([holder("a"), holder("b"), holder("c")]);
  expect(events).toHaveLength(6);
  for (let i = 0; i < 6; i += 2) expect(events[i]!.replace(":in", ":out")).toBe(events[i + 1]);
  expect(existsSync(lock)).toBe(false);
});

it("breaks a lock whose owner process is dead", async () => {
  const lock = join(dir, "lock");
  await mkdir(lock);
  // pid 2^22+1 is above the default pid_max range; treated as not alive.
  await writeFile(join(lock, "owner.json"), JSON.stringify({ pid: 4_194_305, hostname: hostname() }));
  const result = await withDirLock(lock, async () => "acquired", { pollMs: 20 });
  expect(result).toBe("acquired");
});

it("waits for a live owner, and breaks the lock once it is older than staleMs", async () => {
  const lock = join(dir, "lock");
  await mkdir(lock);
  await writeFile(join(lock, "owner.json"), JSON.stringify({ pid: process.ppid, hostname: hostname() }));
  let waited = false;
  const started = Date.now();
  await withDirLock(lock, async () => {}, { staleMs: 300, pollMs: 20, onWait: () => (waited = true) });
  expect(waited).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});
