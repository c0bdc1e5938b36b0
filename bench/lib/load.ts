/** Measurement 3: HTTP load with autocannon against servers running in child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { BENCH_DIR, ROOT, log, percentile } from "./common";

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
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
  return { url, child, stop };
}

export interface LoadResult {
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** What each request sends, when it is not a plain GET: method, headers, and a body made per request. */
export interface LoadRequest {
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  /** Called for every request, so that each may differ (unique ids for inserts). */
  readonly body?: () => string;
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
    const { body } = request;
    const instance = autocannon(
      {
        url,
        connections,
        duration: durationSeconds,
        pipelining: 1,
        ...(request.method && { method: request.method }),
        ...(request.headers && { headers: { ...request.headers } }),
        ...(body && { requests: [{ setupRequest: (each) => ({ ...each, body: body() }) }] }),
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
  };
}

/** A short untimed run first, so both servers are warm (JIT, connection pool) when measured. */
export async function measureLoad(
  url: string,
  connections: number,
  durationSeconds: number,
  warmupSeconds: number,
  request: LoadRequest = {},
): Promise<LoadResult> {
  await load(url, connections, warmupSeconds, request);
  const result = await load(url, connections, durationSeconds, request);
  log(
    `  ${url} c=${connections}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
  );
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`load on ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}
