// The watchdog: a separate Node.js process that cleans up after its parent when the parent dies
// without doing so itself (SIGKILL, the OOM killer, a crash of the runtime). Plain JavaScript, so
// that it starts without a TypeScript loader. Spawned by watchdog.ts, detached into its own
// session (a terminal's Ctrl-C does not reach it) with its stdin a pipe from the parent.
//
// The parent writes one JSON message per line:
//   {"op":"track","id":1,"pid":123,"signal":"SIGQUIT"}  a process to stop (pid and signal optional)
//   {"op":"track","id":2,"dir":"/tmp/org-service-db-x"} a directory to remove (may come with a pid)
//   {"op":"exited","id":1}                              that process has exited: never signal it
//   {"op":"release","id":1}                             stopped and cleaned up by the parent
//
// When the pipe closes — which the kernel does when the parent exits, however it exits — every
// entry still tracked is cleaned up: each process gets its signal (and SIGKILL if it outlives a
// grace period), then, once all of them are gone, each directory is removed. Then we exit.
import { readFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const GRACE_MS = 5_000;
const KILL_WAIT_MS = 2_000;

/** id -> { pid?, startTime?, signal, dir? } */
const entries = new Map();

/**
 * The process' start time (field 22 of /proc/<pid>/stat), so that a pid reused by an unrelated
 * process after ours exited is never signalled. Undefined where there is no /proc (macOS): there
 * the pid alone identifies the process.
 */
function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Alive and still the process that was registered; a zombie counts as gone (its parent reaps it). */
function isAlive(entry) {
  try {
    process.kill(entry.pid, 0);
  } catch (err) {
    if (err.code !== "EPERM") return false;
  }
  if (entry.startTime === undefined) return true;
  try {
    const stat = readFileSync(`/proc/${entry.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] !== "Z" && fields[19] === entry.startTime;
  } catch {
    return false;
  }
}

function signal(entry, name) {
  try {
    process.kill(entry.pid, name);
  } catch {
    // already gone
  }
}

async function waitUntilGone(processes, ms) {
  const deadline = Date.now() + ms;
  while (processes.some(isAlive) && Date.now() < deadline) await sleep(25);
  return processes.filter(isAlive);
}

function apply(message) {
  if (message.op === "track") {
    const entry = { signal: message.signal ?? "SIGKILL", dir: message.dir };
    if (typeof message.pid === "number") {
      entry.pid = message.pid;
      entry.startTime = startTimeOf(message.pid);
    }
    entries.set(message.id, entry);
  } else if (message.op === "exited") {
    const entry = entries.get(message.id);
    if (entry) entry.pid = undefined;
  } else if (message.op === "release") {
    entries.delete(message.id);
  }
}

async function cleanUp() {
  const processes = [...entries.values()].filter((entry) => entry.pid !== undefined && isAlive(entry));
  for (const entry of processes) signal(entry, entry.signal);
  const survivors = await waitUntilGone(processes, GRACE_MS);
  for (const entry of survivors) signal(entry, "SIGKILL");
  await waitUntilGone(survivors, KILL_WAIT_MS);
  for (const { dir } of entries.values()) {
    if (!dir) continue;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
      // best effort: it is a temp dir
    }
  }
  entries.clear();
}

let buffered = "";
let finishing = false;
const finish = () => {
  if (finishing) return;
  finishing = true;
  void cleanUp().finally(() => process.exit(0));
};

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    try {
      apply(JSON.parse(line));
    } catch {
      // not from our parent's code: ignore
    }
  }
});
process.stdin.on("end", finish);
process.stdin.on("close", finish);
process.stdin.on("error", finish);
// Sent by whoever tears the machine down: clean up first, then go.
process.on("SIGTERM", finish);
// Not a reason to go: the parent (which gets them too) decides what happens, and we follow when it exits.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
