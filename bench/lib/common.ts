/** Shared helpers of the benchmark: paths, dependency resolution from the workspace, statistics, tables. */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BENCH_DIR = path.join(ROOT, "bench");
export const CORE_DIR = path.join(ROOT, "packages", "core");
export const FUNCTIONS_DIR = path.join(ROOT, "packages", "functions");

/**
 * bench/ is no workspace package, so it has no node_modules of its own: the service's
 * dependencies are loaded exactly as the package that depends on them resolves them.
 */
const fromCore = createRequire(path.join(CORE_DIR, "package.json"));

export async function importFromCore<T>(specifier: string): Promise<T> {
  return (await import(pathToFileURL(fromCore.resolve(specifier)).href)) as T;
}

export type MongoModule = typeof import("../../packages/core/node_modules/mongodb");
export type Bcrypt = typeof import("../../packages/core/node_modules/bcryptjs");

export const loadMongo = () => importFromCore<MongoModule>("mongodb");
export async function loadBcrypt(): Promise<Bcrypt> {
  const module = await importFromCore<Bcrypt & { default?: Bcrypt }>("bcryptjs");
  return module.default ?? module;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** A time; "failed" where a percentile reached a call that failed (timeInvocations' +Infinity). */
export const ms = (value: number, digits = 1) =>
  Number.isFinite(value) ? `${value.toFixed(digits)} ms` : value === Number.POSITIVE_INFINITY ? "failed" : "n/a";
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a");
/** `a / b`, or NaN (printed n/a) unless both are figures: a failed call's +Infinity must not make a ratio of 0 or ∞. */
export const ratioOf = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : Number.NaN);

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export interface Target {
  readonly name: string;
  readonly measured: number;
  readonly limit: number;
  readonly detail: string;
  /** A figure printed beside the targets it explains, with no target of its own. */
  readonly informational?: true;
}

export const verdict = (target: Target) =>
  target.informational ? "(printed)" : target.measured <= target.limit ? "PASS" : "MISS";

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}
