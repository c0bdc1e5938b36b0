import { mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A cross-process lock based on mkdir(2), which is atomic on local file systems. Several vitest
 * projects (each with its own globalSetup) or a test run plus `pnpm start` may all find the
 * FerretDB binary missing at the same moment; the lock makes one of them build it while the
 * others wait and then reuse the result.
 *
 * The lock is considered stale (and broken) when its owner process is known to be dead (same
 * host, pid gone) or when it has not been refreshed for `staleMs` (the holder touches it every
 * few seconds). Breaking a stale lock is racy in theory (two waiters may both break it), which is
 * acceptable here because the protected work is idempotent: each builder writes to its own temp
 * file and renames it into place atomically.
 */

export interface DirLockOptions {
  /** Age after which an unrefreshed lock is broken. Default: 10 minutes. */
  staleMs?: number;
  pollMs?: number;
  /** Called once if we have to wait for another holder. */
  onWait?: () => void;
}

interface LockOwner {
  pid: number;
  hostname: string;
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isStale(lockDir: string, staleMs: number): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(join(lockDir, "owner.json"), "utf8")) as LockOwner;
    if (owner.hostname === hostname() && owner.pid !== process.pid && !isPidAlive(owner.pid)) {
      return true;
    }
  } catch {
    // owner.json not written yet (lock just created) or unreadable: decide by age alone
  }
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs > staleMs;
  } catch {
    return false; // lock vanished meanwhile: simply retry mkdir
  }
}

export async function withDirLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  { staleMs = 10 * 60_000, pollMs = 500, onWait }: DirLockOptions = {},
): Promise<T> {
  let waited = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (await isStale(lockDir, staleMs)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!waited) {
      waited = true;
      onWait?.();
    }
    await sleep(pollMs);
  }

  const owner: LockOwner = { pid: process.pid, hostname: hostname() };
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockDir, now, now).catch(() => {});
  }, 5_000);
  heartbeat.unref();
  try {
    await writeFile(join(lockDir, "owner.json"), JSON.stringify(owner));
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await rm(lockDir, { recursive: true, force: true });
  }
}
