/**
 * `pnpm loadtest [--url http://127.0.0.1:3000] [--duration 5] [--connections 1,16,64]`
 *
 * Load on the read path of a RUNNING server (`pnpm start`, or a deployed stage's URL): creates one
 * organization, then drives `GET /org/get` for it at each concurrency in turn and prints
 * requests/second and latency percentiles. autocannon keeps the connections busy (HTTP/1.1
 * keep-alive, no think time), so the numbers are the server's throughput, not a user's.
 */
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "1,16,64" },
  },
});
const base = values.url.replace(/\/+$/, "");
const duration = Number(values.duration);
const levels = values.connections.split(",").map(Number);
if (!(duration > 0) || levels.some((level) => !(level >= 1)))
  throw new Error("--duration and --connections must be positive numbers");

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
