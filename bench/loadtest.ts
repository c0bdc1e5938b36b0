/**
 * `pnpm loadtest [--url http://127.0.0.1:3000] [--duration 5] [--connections 1,16,64]`
 *
 * Load on the read path of a RUNNING server (`pnpm start`, or a deployed stage's URL): creates one
 * organization, then drives `GET /org/get` for it at each concurrency in turn and prints
 * requests/second and latency percentiles. autocannon keeps the connections busy (HTTP/1.1
 * keep-alive, no think time), so the numbers are the server's throughput, not a user's.
 *
 * `pnpm loadtest --mix [--url …] [--duration 60] [--workers 16] [--pid <pid>[,<pid>…]] [--sample 10]`
 *
 * A mixed-workload soak of a RUNNING server for a bounded time: `--workers` concurrent workers,
 * each looping create → get → login → a failed login → rename → get → collection → delete
 * (bench/lib/mix.ts). Prints operations per second, every status per route, each 5xx with its
 * body, and the resident memory of the processes given with `--pid`, sampled every `--sample`
 * seconds. Exits 1 if any request got a 5xx or no answer. Every iteration logs in once wrongly, on
 * purpose: run the server with a per-address failure limit the run cannot reach (docs/performance.md,
 * "Mixed-workload soak"), or the logins of the rest of the run answer 429 — which are counted, not
 * hidden.
 */
import { parseArgs } from "node:util";
import { formatMixReport, runMix } from "./lib/mix";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    duration: { type: "string" },
    connections: { type: "string", default: "1,16,64" },
    mix: { type: "boolean", default: false },
    workers: { type: "string", default: "16" },
    pid: { type: "string" },
    sample: { type: "string", default: "10" },
  },
});

function positive(flag: string, text: string, integer = false): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    console.error(`--${flag} takes a positive ${integer ? "whole " : ""}number, not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

if (values.mix) {
  const report = await runMix({
    url: values.url,
    durationSeconds: positive("duration", values.duration ?? "60"),
    workers: positive("workers", values.workers, true),
    pids: values.pid === undefined ? [] : values.pid.split(",").map((pid) => positive("pid", pid.trim(), true)),
    sampleSeconds: positive("sample", values.sample),
  });
  console.log(formatMixReport(report));
  if (report.failureCount > 0) process.exitCode = 1;
} else {
  await readPath();
}

async function readPath(): Promise<void> {
  const { default: autocannon } = await import("autocannon");
  const base = values.url.replace(/\/+$/, "");
  const duration = positive("duration", values.duration ?? "5");
  const levels = values.connections.split(",").map((level) => positive("connections", level, true));

  const name = `Loadtest ${Date.now().toString(36)}`;
  const created = await fetch(`${base}/org/create`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      organization_name: name,
      email: `loadtest.${Date.now().toString(36)}@example.com`,
      password: "load-test-password",
    }),
  });
  if (created.status !== 201) throw new Error(`POST /org/create answered ${created.status}: ${await created.text()}`);
  const target = `${base}/org/get?${new URLSearchParams({ organization_name: name })}`;
  console.log(`GET ${target}, ${duration} s per level\n`);

  const rows: string[][] = [];
  for (const connections of levels) {
    const result = await autocannon({ url: target, connections, duration });
    rows.push([
      String(connections),
      result.requests.average.toFixed(0),
      String(result.latency.p50),
      String(result.latency.p99),
      String(result.latency.max),
      String(result["2xx"]),
      String(result.non2xx + result.errors + result.timeouts),
    ]);
  }

  const header = ["connections", "req/s", "p50 ms", "p99 ms", "max ms", "2xx", "failed"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(" | ")} |`;
  console.log(
    [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.map(line)].join("\n"),
  );
}
