/**
 * The mixed-workload soak of `pnpm loadtest --mix`: concurrent workers, each looping through an
 * organization's whole life against a RUNNING server, for a bounded time. What it reports: the
 * operations per second, every status per route, each 5xx with its body, and, given the server's
 * process id, its resident memory sampled over the run.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { percentile } from "./common";

export interface MixOptions {
  /** The server's base URL. */
  readonly url: string;
  readonly durationSeconds: number;
  readonly workers: number;
  /** Processes whose resident memory (VmRSS) is sampled, e.g. the server's. */
  readonly pids: readonly number[];
  readonly sampleSeconds: number;
  /** Each request's own bound: a server that stops answering ends the run instead of hanging it. */
  readonly requestTimeoutMs?: number;
  /** Progress lines (one per sample), to stderr by default. */
  readonly progress?: (line: string) => void;
}

/** The steps of one iteration, in order; `GET /org/get` runs twice (before and after the rename). */
export const MIX_ROUTES = [
  "POST /org/create",
  "GET /org/get",
  "POST /admin/login",
  "POST /admin/login (wrong password)",
  "POST /org/data/documents",
  "GET /org/data/documents/{id}",
  "GET /org/data/documents",
  "POST /org/invitations",
  "POST /invitations/accept",
  "POST /auth/refresh",
  "PUT /org/update",
  "GET /org/collection",
  "DELETE /org/delete",
] as const;
export type MixRoute = (typeof MIX_ROUTES)[number];

export interface RouteTally {
  /** Count per HTTP status; `error` for a request that got no answer (refused, reset, timed out). */
  readonly statuses: Map<string, number>;
  readonly latenciesMs: number[];
}

export interface ServerError {
  readonly route: MixRoute;
  readonly status: string;
  readonly body: string;
}

export interface RssSeries {
  readonly pid: number;
  /** [seconds since the start, MiB]. */
  readonly samples: [number, number][];
}

export interface MixReport {
  readonly options: MixOptions;
  readonly elapsedSeconds: number;
  readonly iterations: number;
  readonly operations: number;
  /** Operations answered in each second of the run, from its start. */
  readonly perSecond: number[];
  readonly routes: Map<MixRoute, RouteTally>;
  /** Answers ≥ 500 and requests without an answer, the first ones with their bodies. */
  readonly failures: ServerError[];
  readonly failureCount: number;
  /** Organizations a worker could not delete (no token, or the delete failed): left in the database. */
  readonly leftBehind: number;
  readonly rss: RssSeries[];
}

const KEPT_FAILURES = 20;
const BODY_CHARACTERS = 500;

/** VmRSS of a process in MiB, from /proc; undefined once it is gone. */
export function residentMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function runMix(options: MixOptions): Promise<MixReport> {
  const base = options.url.replace(/\/+$/, "");
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const pid of options.pids) {
    if (residentMiB(pid) === undefined) throw new Error(`no process ${pid} to sample (/proc/${pid}/status)`);
  }
  const routes = new Map<MixRoute, RouteTally>(
    MIX_ROUTES.map((route) => [route, { statuses: new Map(), latenciesMs: [] }]),
  );
  const failures: ServerError[] = [];
  let failureCount = 0;
  let operations = 0;
  const perSecond: number[] = [];
  let iterations = 0;
  let leftBehind = 0;

  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  const run = Date.now().toString(36);

  /**
   * The requests of one worker, sent from its own loopback address (127.0.0.<worker + 1>) when the
   * server is on loopback: each worker is a client of its own, as the callers of a deployed service
   * are, so that the per-address limits and records (failed logins) grow per client, not as one
   * address's pile that every check of the run reads.
   */
  const requestFrom = (localAddress: string | undefined) =>
    async function request(
      route: MixRoute,
      method: string,
      path: string,
      init: { json?: unknown; token?: string } = {},
    ): Promise<{ status: number; json: Record<string, unknown> }> {
      const tally = routes.get(route)!;
      const headers: Record<string, string> = {};
      if (init.json !== undefined) headers["content-type"] = "application/json";
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      const sent = performance.now();
      let status = "error";
      let body = "";
      try {
        const answer = await send(`${base}${path}`, {
          method,
          headers,
          ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
          timeoutMs: options.requestTimeoutMs ?? 30_000,
          localAddress,
        });
        status = String(answer.status);
        body = answer.body;
      } catch (error) {
        body = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      operations++;
      const second = Math.floor((performance.now() - started) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
      tally.latenciesMs.push(performance.now() - sent);
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
      if (status === "error" || Number(status) >= 500) {
        failureCount++;
        if (failures.length < KEPT_FAILURES) failures.push({ route, status, body: body.slice(0, BODY_CHARACTERS) });
      }
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // Not JSON (a transport error): the status says enough.
      }
      if (status === "error") {
        // A server that stops answering refuses at once: pause rather than spin through empty iterations.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { status: 0, json };
      }
      return { status: Number(status), json };
    };

  const query = (name: string) => `?${new URLSearchParams({ organization_name: name })}`;

  const loopback = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(\/|$)/.test(base);
  async function worker(index: number): Promise<void> {
    const request = requestFrom(loopback ? `127.0.0.${1 + index}` : undefined);
    for (let iteration = 1; performance.now() < deadline; iteration++) {
      iterations++;
      const id = `${run}-${index}-${iteration}`;
      const name = `Soak ${id}`;
      const renamed = `Soak ${id} renamed`;
      const email = `soak.${id}@example.com`;
      const password = `soak-password-${id}`;

      const created = await request("POST /org/create", "POST", "/org/create", {
        json: { organization_name: name, email, password },
      });
      if (created.status !== 201) continue;
      await request("GET /org/get", "GET", `/org/get${query(name)}`);
      const session = await request("POST /admin/login", "POST", "/admin/login", { json: { email, password } });
      const token = typeof session.json.access_token === "string" ? session.json.access_token : undefined;
      await request("POST /admin/login (wrong password)", "POST", "/admin/login", {
        json: { email, password: `${password}-wrong` },
      });
      if (!token) {
        leftBehind++;
        continue;
      }
      // The tenant's data: two documents written, one read back, a filtered list.
      for (const n of [1, 2]) {
        await request("POST /org/data/documents", "POST", "/org/data/documents", {
          token,
          json: { _id: `doc-${n}`, kind: n % 2 === 0 ? "even" : "odd", n },
        });
      }
      await request("GET /org/data/documents/{id}", "GET", "/org/data/documents/doc-1", { token });
      const filter = encodeURIComponent(JSON.stringify({ kind: "odd" }));
      await request("GET /org/data/documents", "GET", `/org/data/documents?filter=${filter}&limit=10`, { token });
      // A member joins by invitation (the token is in the answer where the server sends no mail).
      const invited = await request("POST /org/invitations", "POST", "/org/invitations", {
        token,
        json: { email: `member.${id}@example.com`, role: "member" },
      });
      if (typeof invited.json.token === "string") {
        await request("POST /invitations/accept", "POST", "/invitations/accept", {
          json: { token: invited.json.token, password: `member-password-${id}` },
        });
      }
      const refreshToken = session.json.refresh_token;
      if (typeof refreshToken === "string") {
        await request("POST /auth/refresh", "POST", "/auth/refresh", { json: { refresh_token: refreshToken } });
      }
      const rename = await request("PUT /org/update", "PUT", "/org/update", {
        token,
        json: { organization_name: name, new_organization_name: renamed },
      });
      const current = rename.status === 200 ? renamed : name;
      await request("GET /org/get", "GET", `/org/get${query(current)}`);
      await request("GET /org/collection", "GET", "/org/collection", { token });
      const deleted = await request("DELETE /org/delete", "DELETE", "/org/delete", {
        token,
        json: { organization_name: current },
      });
      if (deleted.status !== 200) leftBehind++;
    }
  }

  const rss: RssSeries[] = options.pids.map((pid) => ({ pid, samples: [] }));
  const sample = () => {
    const at = Math.round((performance.now() - started) / 1000);
    for (const series of rss) {
      const mib = residentMiB(series.pid);
      if (mib !== undefined) series.samples.push([at, mib]);
    }
    const memory = rss.map((series) => `pid ${series.pid} ${series.samples.at(-1)?.[1].toFixed(0) ?? "?"} MiB`);
    progress(`[mix] ${at} s: ${operations} operations${memory.length > 0 ? `, ${memory.join(", ")}` : ""}`);
  };
  sample();
  const sampler = setInterval(sample, options.sampleSeconds * 1000);
  try {
    await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index + 1)));
  } finally {
    clearInterval(sampler);
  }
  sample();

  return {
    options,
    elapsedSeconds: (performance.now() - started) / 1000,
    iterations,
    operations,
    perSecond: Array.from({ length: Math.ceil(options.durationSeconds) }, (_, second) => perSecond[second] ?? 0),
    routes,
    failures,
    failureCount,
    leftBehind,
    rss,
  };
}

const count = (value: number) => value.toLocaleString("en-US");

/** How long the windows compared are: the run's first and its last. */
const WINDOW_SECONDS = 30;
/** The last window must keep this share of the first's operations (data growth must not slow the service). */
export const SUSTAINED_SHARE = 0.8;

/**
 * Operations per 30 s through the run, and the last window's against the first's: whether the
 * service slows down as the data it keeps grows. Said only for runs of two windows or more.
 */
export function sustainedThroughput(perSecond: readonly number[]): { first: number; last: number } | undefined {
  if (perSecond.length < 2 * WINDOW_SECONDS) return undefined;
  const sum = (from: number) => perSecond.slice(from, from + WINDOW_SECONDS).reduce((total, n) => total + n, 0);
  return { first: sum(0), last: sum(perSecond.length - WINDOW_SECONDS) };
}

function throughputOverTime(report: MixReport): string[] {
  const windows: number[] = [];
  for (let from = 0; from + WINDOW_SECONDS <= report.perSecond.length; from += WINDOW_SECONDS) {
    windows.push(report.perSecond.slice(from, from + WINDOW_SECONDS).reduce((total, n) => total + n, 0));
  }
  const sustained = sustainedThroughput(report.perSecond);
  if (!sustained) return [];
  const share = sustained.last / sustained.first;
  return [
    `operations per ${WINDOW_SECONDS} s: ${windows.map(count).join(", ")}`,
    `last ${WINDOW_SECONDS} s against the first: ${count(sustained.last)} / ${count(sustained.first)} = ${share.toFixed(2)} (target ≥ ${SUSTAINED_SHARE}: ${share >= SUSTAINED_SHARE ? "PASS" : "MISS"})`,
    "",
  ];
}

export function formatMixReport(report: MixReport): string {
  const { options } = report;
  const lines = [
    `mix on ${options.url}: ${options.workers} workers for ${options.durationSeconds} s, each looping create → get → login → failed login → two documents written, one read, a filtered list → invite → accept → refresh → rename → get → collection → delete`,
    "",
    `${count(report.operations)} operations in ${report.elapsedSeconds.toFixed(1)} s: ${(report.operations / report.elapsedSeconds).toFixed(1)} operations/s (${count(report.iterations)} iterations)`,
    "",
    ...throughputOverTime(report),
  ];
  const rows = [...report.routes].map(([route, tally]) => [
    route,
    count([...tally.statuses.values()].reduce((sum, n) => sum + n, 0)),
    [...tally.statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}: ${count(n)}`)
      .join(", ") || "-",
    tally.latenciesMs.length > 0 ? percentile(tally.latenciesMs, 50).toFixed(1) : "-",
    tally.latenciesMs.length > 0 ? percentile(tally.latenciesMs, 99).toFixed(1) : "-",
  ]);
  const header = ["route", "requests", "statuses", "p50 ms", "p99 ms"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`;
  lines.push(line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.map(line), "");

  if (report.failureCount === 0) {
    lines.push("5xx and unanswered requests: none");
  } else {
    lines.push(`5xx and unanswered requests: ${count(report.failureCount)}`);
    for (const failure of report.failures) lines.push(`  ${failure.route} → ${failure.status}: ${failure.body}`);
    if (report.failureCount > report.failures.length) {
      lines.push(`  (and ${count(report.failureCount - report.failures.length)} more)`);
    }
  }
  lines.push(`organizations left behind (not deleted): ${count(report.leftBehind)}`);

  for (const series of report.rss) {
    const values = series.samples.map(([, mib]) => mib);
    if (values.length === 0) continue;
    lines.push(
      "",
      `RSS of pid ${series.pid}, MiB, every ${options.sampleSeconds} s: ${values.map((mib) => mib.toFixed(0)).join(" ")}`,
      `RSS of pid ${series.pid}: ${values[0]!.toFixed(0)} MiB at the start, ${Math.max(...values).toFixed(0)} at the peak, ${values.at(-1)!.toFixed(0)} at the end`,
    );
  }
  return lines.join("\n");
}

/** One HTTP request, from `localAddress` when given (node:http: fetch cannot choose its source address). */
function send(
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
    localAddress: string | undefined;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body !== undefined && { "content-length": Buffer.byteLength(init.body) }),
        },
        ...(init.localAddress && { localAddress: init.localAddress }),
        signal: AbortSignal.timeout(init.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(init.body);
  });
}
