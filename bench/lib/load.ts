/** Measurement 3: HTTP load with autocannon against servers running in child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { BENCH_DIR, ROOT, log, percentile } from "./common";

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** The CPU time the server's process has used so far (user + system), in milliseconds. */
  cpuMillis(): Promise<number>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Stops every child server still running (used on errors and signals). */
export function killAllChildServers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export async function startChildServer(script: string, env: NodeJS.ProcessEnv): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "children", script)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  running.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.once("message", (message: { url: string }) => {
      clearTimeout(timer);
      resolve(message.url);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
  };
  // Asked over IPC (the children answer `process.cpuUsage()`): microseconds, on every platform.
  const cpuMillis = () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not report its CPU time`)), 10_000);
      child.once("message", (message: { cpu?: { user: number; system: number } }) => {
        clearTimeout(timer);
        if (!message.cpu) return reject(new Error(`${script} answered ${JSON.stringify(message)}`));
        resolve((message.cpu.user + message.cpu.system) / 1000);
      });
      child.send("cpu");
    });
  return { url, child, cpuMillis, stop };
}

/**
 * The CPU time the embedded database's processes (FerretDB, PostgreSQL and its workers: every
 * process started with its directory on the command line) have used so far, in milliseconds;
 * undefined where /proc cannot tell (not Linux, or a database the benchmark did not start).
 */
export function databaseCpuMillis(dataDir: string | undefined): number | undefined {
  if (dataDir === undefined) return undefined;
  let ticks = 0;
  let found = false;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dataDir)) continue;
        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
        found = true;
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    return undefined;
  }
  // USER_HZ is 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
  return found ? ticks * 10 : undefined;
}

export interface LoadResult {
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly non2xx: number;
  /** Connection errors and requests that timed out. */
  readonly errors: number;
  /** The server process's CPU time per request of the timed run, when it was measured. */
  readonly cpuMsPerRequest?: number;
  /** The database's CPU time per request of the timed run (its processes, where /proc tells). */
  readonly databaseCpuMsPerRequest?: number;
  /** How long the timed run lasted, in seconds. */
  readonly seconds: number;
  /** Every 2xx response's time, in milliseconds: what the percentiles were taken from. */
  readonly latencies: readonly number[];
}

/**
 * Runs of the same requests taken as one: percentiles over all their responses, rates and CPU
 * times over all their requests. For passes made in turn with another measurement's, so that
 * neither profits alone from a quieter minute of the machine.
 */
export function mergeLoads(runs: readonly LoadResult[]): LoadResult {
  const first = runs[0];
  if (!first) throw new Error("no runs to merge");
  const latencies = runs.flatMap((run) => run.latencies);
  const total = runs.reduce((sum, run) => sum + run.total, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const perRequest = (of: (run: LoadResult) => number | undefined) => {
    if (total === 0 || runs.some((run) => of(run) === undefined)) return undefined;
    return runs.reduce((sum, run) => sum + of(run)! * run.total, 0) / total;
  };
  const cpuMsPerRequest = perRequest((run) => run.cpuMsPerRequest);
  const databaseCpuMsPerRequest = perRequest((run) => run.databaseCpuMsPerRequest);
  return {
    connections: first.connections,
    requestsPerSecond: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    ...(cpuMsPerRequest !== undefined && { cpuMsPerRequest }),
    ...(databaseCpuMsPerRequest !== undefined && { databaseCpuMsPerRequest }),
    seconds,
    latencies,
  };
}

/** A run some of whose requests failed (not 2xx) or never got an answer: its figures are marked, not trusted. */
export const failedRequests = (result: LoadResult): number => result.non2xx + result.errors;

/** What each request sends, when it is not a plain GET: method, headers, and a body made per request. */
export interface LoadRequest {
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  /** Called for every request, so that each may differ (unique ids for inserts). */
  readonly body?: () => string;
  /** Headers made per request, over `headers` (one of several clients' credentials, in turn). */
  readonly headersPerRequest?: () => Readonly<Record<string, string>>;
}

export async function load(
  url: string,
  connections: number,
  durationSeconds: number,
  request: LoadRequest = {},
): Promise<LoadResult> {
  // autocannon's histogram keeps whole milliseconds; the per-response times it emits are exact,
  // so the percentiles are computed from those.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const { body, headersPerRequest } = request;
    const instance = autocannon(
      {
        url,
        connections,
        duration: durationSeconds,
        pipelining: 1,
        ...(request.method && { method: request.method }),
        ...(request.headers && { headers: { ...request.headers } }),
        ...((body || headersPerRequest) && {
          requests: [
            {
              setupRequest: (each) => ({
                ...each,
                ...(body && { body: body() }),
                ...(headersPerRequest && { headers: { ...each.headers, ...headersPerRequest() } }),
              }),
            },
          ],
        }),
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  return {
    connections,
    requestsPerSecond: result.requests.total / durationSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: durationSeconds,
    latencies,
  };
}

/**
 * A short untimed run first, so both servers are warm (JIT, connection pool) when measured. With
 * `server`, its CPU time per request of the timed run, and with `databaseDir` the embedded
 * database's. A run whose requests failed or timed out is returned as measured and logged as
 * such: the report marks it, and the benchmark goes on.
 */
export async function measureLoad(
  url: string,
  connections: number,
  durationSeconds: number,
  warmupSeconds: number,
  request: LoadRequest = {},
  cpu: { readonly server?: ChildServer; readonly databaseDir?: string | undefined } = {},
): Promise<LoadResult> {
  await load(url, connections, warmupSeconds, request);
  const [serverBefore, databaseBefore] = [await cpu.server?.cpuMillis(), databaseCpuMillis(cpu.databaseDir)];
  const measured = await load(url, connections, durationSeconds, request);
  const [serverAfter, databaseAfter] = [await cpu.server?.cpuMillis(), databaseCpuMillis(cpu.databaseDir)];
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined || measured.total === 0 ? undefined : (after - before) / measured.total;
  const cpuMsPerRequest = perRequest(serverBefore, serverAfter);
  const databaseCpuMsPerRequest = perRequest(databaseBefore, databaseAfter);
  const result: LoadResult = {
    ...measured,
    ...(cpuMsPerRequest !== undefined && { cpuMsPerRequest }),
    ...(databaseCpuMsPerRequest !== undefined && { databaseCpuMsPerRequest }),
  };
  log(
    `  ${url} c=${connections}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${cpuMsPerRequest === undefined ? "" : `, ${cpuMsPerRequest.toFixed(3)} ms CPU/request`}`,
  );
  if (failedRequests(result) > 0) {
    log(
      `  FAILED REQUESTS on ${url}: ${result.non2xx} not 2xx, ${result.errors} errors or timeouts (marked in the report)`,
    );
  }
  return result;
}
