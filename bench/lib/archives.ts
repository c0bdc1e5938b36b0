/**
 * Export and restore (section 3e): one organization's tenant of many documents exported over HTTP
 * by the local server (in its own process, as `pnpm start` runs exports), with the server's RSS
 * sampled while it runs; the archive downloaded through its link and checked against its SHA-256;
 * then the organization deleted and restored from the export by a platform client.
 */
import { createWriteStream, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { measuringTap } from "../../packages/core/src/archives/write";
import { log } from "./common";
import { call, signUp } from "./data-load";
import type { ChildServer } from "./load";

/** What the documents are seeded into: the organization's tenant collection, through the driver. */
export interface SeedCollection {
  insertMany(documents: Record<string, unknown>[]): Promise<unknown>;
  countDocuments(): Promise<number>;
}

export interface ArchivesRunOptions {
  readonly service: ChildServer;
  /** The tenant's size. */
  readonly documents: number;
  /** A directory of the benchmark's own, where the archive is downloaded (and removed from). */
  readonly workDir: string;
  /** The organization's tenant collection, found through core in the benchmark's process. */
  readonly tenantCollection: (organizationName: string) => Promise<SeedCollection>;
  /** A platform client's access token (`platform:write`), for the restore. */
  readonly platformToken: () => Promise<string>;
  /** Whether the organization of this name exists and is visible (a restore of it has finished). */
  /**
   * Restores the archive in `file` in the benchmark's process (core's `restoreArchive`) under
   * `organizationName`: the documents it restored.
   */
  readonly restoreInProcess: (file: string, organizationName: string) => Promise<number>;
}

export interface MemoryFigures {
  /** The process's RSS right before the operation, and the most it reached while it ran (bytes). */
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly samples: number;
}

export interface ArchivesMeasurement {
  readonly documents: number;
  /** Seconds the seeding through the driver took. */
  readonly seedSeconds: number;
  readonly export: MemoryFigures & {
    /** From `POST /org/exports` to the poll that found it completed. */
    readonly seconds: number;
    /** The export record's own `finished_at − created_at`. */
    readonly serverSeconds: number;
    readonly bytes: number;
    readonly sha256: string;
    readonly counts: Readonly<Record<string, number>>;
  };
  readonly download: { readonly seconds: number; readonly bytes: number };
  readonly restore: MemoryFigures & {
    /** Over HTTP (`POST /platform/organizations/restore`), or in the benchmark's process (core's `restoreArchive`). */
    readonly where: "http" | "bench process";
    readonly seconds: number;
    readonly documents: number;
    /** When the HTTP restore ran out of its time limit: the answer's time, and when the server's restore was seen finished. */
    readonly httpRefused?: { readonly answeredSeconds: number; readonly detail: string };
  };
}

/** Export polls and RSS samples, this often. */
const POLL_MS = 100;
/** The longest an export (or a restore the server goes on with after its answer) is waited for. */
const WAIT_SECONDS = 3_600;
const BATCH = 1_000;
const MB = 1024 * 1024;

/** A process's resident set (VmRSS of /proc/<pid>/status), in bytes; NaN where /proc cannot tell. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const kilobytes = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
    return kilobytes === undefined ? Number.NaN : Number(kilobytes) * 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * `pid`'s RSS: the figure now (before), then samples — at each {@link POLL_MS} when `every` is
 * set, else at each `sample()` — and the peak of all of them when stopped.
 */
function sampleRss(pid: number | undefined, every = false): { sample(): void; stop(): MemoryFigures } {
  const rssBefore = rssOf(pid);
  let rssPeak = rssBefore;
  let samples = 1;
  const sample = () => {
    const rss = rssOf(pid);
    samples++;
    if (rss > rssPeak) rssPeak = rss;
  };
  const timer = every ? setInterval(sample, POLL_MS) : undefined;
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return { rssBefore, rssPeak, samples };
    },
  };
}

export const growthMb = (figures: MemoryFigures) => (figures.rssPeak - figures.rssBefore) / MB;
export const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / MB).toFixed(1)} MB` : "n/a");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"];
const CITIES = ["Lisbon", "Oslo", "Kyoto", "Quito", "Accra", "Perth", "Tallinn", "Montreal"];

/** Document `i` (from 0): about 500 bytes of BSON, strings, numbers, a nested object, an array and a date. */
function seededDocument(i: number): Record<string, unknown> {
  const word = (k: number) => WORDS[(i * 31 + k * 7) % WORDS.length]!;
  return {
    _id: `doc-${String(i + 1).padStart(7, "0")}`,
    title: `Document ${i + 1}: ${word(1)} ${word(2)} ${word(3)}`,
    status: ["draft", "open", "closed", "archived"][i % 4],
    n: i,
    score: ((i * 7919) % 10_007) / 100,
    active: i % 3 === 0,
    created_at: new Date(Date.UTC(2024, 0, 1) + i * 61_000),
    owner: {
      name: `Owner ${i % 997}`,
      email: `owner-${i % 997}@example.com`,
      address: { city: CITIES[i % CITIES.length], zip: String(10_000 + ((i * 13) % 89_999)) },
    },
    tags: Array.from({ length: 3 + (i % 4) }, (_, k) => `${word(k)}-${(i + k) % 50}`),
    readings: Array.from({ length: 8 }, (_, k) => ((i + 1) * (k + 3)) % 1_000),
    notes: Array.from({ length: 14 }, (_, k) => word(k + 4)).join(" "),
  };
}

/** Seeds `count` documents, `doc-0000001`…, in batches of 1,000: the seconds it took. */
async function seed(collection: SeedCollection, count: number): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += BATCH) {
    await collection.insertMany(
      Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => seededDocument(from + k)),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const found = await collection.countDocuments();
  if (found !== count) throw new Error(`seeded ${count} documents, the collection holds ${found}`);
  return seconds;
}

interface ExportView {
  readonly id: string;
  readonly state: "running" | "completed" | "failed" | "expired";
  readonly created_at: string;
  readonly finished_at?: string;
  readonly documents_exported: number;
  readonly documents_total: number;
  readonly archive?: { readonly bytes: number; readonly sha256: string; readonly counts: Record<string, number> };
  readonly download_url?: string;
  readonly failure?: string;
}

/** `POST /org/exports`, then `GET /org/exports/{id}` every {@link POLL_MS} until it has ended (`onPoll` after each). */
async function runExport(service: ChildServer, token: string, onPoll: () => void = () => undefined) {
  const auth = { authorization: `Bearer ${token}` };
  const started = performance.now();
  const accepted = (await call(`${service.url}/org/exports`, { method: "POST", headers: auth }, 202)) as ExportView;
  let view = accepted;
  let tenth = 0;
  while (view.state === "running") {
    if (performance.now() - started > WAIT_SECONDS * 1000) {
      throw new Error(`export ${accepted.id} still running after ${WAIT_SECONDS} s`);
    }
    await sleep(POLL_MS);
    view = (await call(`${service.url}/org/exports/${accepted.id}`, { headers: auth }, 200)) as ExportView;
    onPoll();
    // Progress in tenths, for a long run's log: whether each part takes as long as the one before.
    const reached = view.documents_total > 0 ? Math.floor((10 * view.documents_exported) / view.documents_total) : 0;
    if (view.state === "running" && reached > tenth) {
      tenth = reached;
      log(
        `archives: ${view.documents_exported.toLocaleString("en")} of ${view.documents_total.toLocaleString("en")} exported after ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (view.state !== "completed" || !view.archive || !view.download_url) {
    throw new Error(`export ${accepted.id} ended ${view.state}: ${view.failure ?? JSON.stringify(view)}`);
  }
  return { view: view as ExportView & Required<Pick<ExportView, "archive" | "download_url">>, seconds };
}

/** A problem answer of type `…/timeout`: the invocation ran out of its route's time limit. */
function isTooLongForOneRequest(text: string): boolean {
  try {
    return /too large to restore within one request/.test(String((JSON.parse(text) as { detail?: unknown }).detail));
  } catch {
    return false;
  }
}

/** Only to loopback: the link must point at the server the benchmark started. */
function checkLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(hostname)) {
    throw new Error(`the download link points at ${hostname}, not at this machine: not followed`);
  }
}

/** The archive at `url` streamed into `file`, hashed on the way: its bytes and SHA-256. */
async function download(url: string, file: string): Promise<{ bytes: number; sha256: string }> {
  checkLoopback(url);
  const response = await fetch(url);
  if (response.status !== 200 || !response.body) throw new Error(`download: ${response.status}`);
  const measured = measuringTap();
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    measured.tap,
    createWriteStream(file),
  );
  return measured.result();
}

export async function measureArchives(options: ArchivesRunOptions): Promise<ArchivesMeasurement> {
  const { service, documents } = options;
  const pid = service.child.pid;
  const name = "Archive Bench";
  const owner = await signUp(service, name, "archive-bench@bench.example");
  const collection = await options.tenantCollection(name);

  // A first export of the organization while it is still empty: the modules an export loads and
  // the archive store are then in the "before" figure, and the growth is what the tenant's size costs.
  log("archives: a warm-up export of the empty organization");
  await runExport(service, owner.token);

  log(`archives: seeding ${documents.toLocaleString("en")} documents through the driver`);
  const seedSeconds = await seed(collection, documents);
  log(`archives: seeded in ${seedSeconds.toFixed(1)} s`);

  log(`archives: export of ${documents.toLocaleString("en")} documents over HTTP`);
  const exportMemory = sampleRss(pid);
  const exported = await runExport(service, owner.token, exportMemory.sample);
  const exportFigures = exportMemory.stop();
  const { view } = exported;
  if (view.archive.counts.documents !== documents) {
    throw new Error(`the archive holds ${view.archive.counts.documents} documents, not ${documents}`);
  }
  log(
    `archives: exported in ${exported.seconds.toFixed(1)} s, ${(view.archive.bytes / MB).toFixed(1)} MB, RSS growth ${growthMb(exportFigures).toFixed(1)} MB`,
  );

  const file = path.join(options.workDir, `archive-bench-${view.id}.tar.gz`);
  try {
    const downloadStarted = performance.now();
    const downloaded = await download(view.download_url, file);
    const downloadSeconds = (performance.now() - downloadStarted) / 1000;
    if (downloaded.sha256 !== view.archive.sha256 || downloaded.bytes !== view.archive.bytes) {
      throw new Error(
        `the downloaded archive (${downloaded.bytes} bytes, SHA-256 ${downloaded.sha256}) is not the export's (${view.archive.bytes} bytes, ${view.archive.sha256})`,
      );
    }
    log(`archives: downloaded in ${downloadSeconds.toFixed(1)} s, its SHA-256 the export's`);

    log("archives: the organization deleted, then restored from its export");
    const query = new URLSearchParams({ organization_name: name });
    await call(
      `${service.url}/org/delete?${query}`,
      { method: "DELETE", headers: { authorization: `Bearer ${owner.token}` } },
      200,
    );
    const platform = await options.platformToken();
    const restoreMemory = sampleRss(pid, true);
    const restoreStarted = performance.now();
    const answer = await fetch(`${service.url}/platform/organizations/restore`, {
      method: "POST",
      headers: { authorization: `Bearer ${platform}`, "content-type": "application/json" },
      body: JSON.stringify({ export_id: view.id }),
    });
    const text = await answer.text();
    const answeredSeconds = (performance.now() - restoreStarted) / 1000;
    let restore: ArchivesMeasurement["restore"];
    if (answer.status === 201) {
      const restored = JSON.parse(text) as { documents: number };
      restore = { where: "http", seconds: answeredSeconds, documents: restored.documents, ...restoreMemory.stop() };
    } else if (answer.status === 413 && isTooLongForOneRequest(text)) {
      // Too long for the route's time limit: the server stopped before its deadline and undid it
      // (nothing restored), so the restore is measured in this process instead, as the operator's
      // command runs it.
      restoreMemory.stop();
      log(
        `archives: the restore over HTTP would outlast its request (413 after ${answeredSeconds.toFixed(1)} s, undone)`,
      );
      log("archives: the restore in the benchmark's process (core's restoreArchive)");
      const inProcess = sampleRss(process.pid, true);
      const started = performance.now();
      const restored = await options.restoreInProcess(file, name);
      const seconds = (performance.now() - started) / 1000;
      restore = {
        where: "bench process",
        seconds,
        documents: restored,
        ...inProcess.stop(),
        httpRefused: { answeredSeconds, detail: (JSON.parse(text) as { detail: string }).detail },
      };
    } else {
      restoreMemory.stop();
      throw new Error(`POST /platform/organizations/restore: ${answer.status} ${text}`);
    }
    if (restore.documents !== documents) {
      throw new Error(`the restore made ${restore.documents} documents, not ${documents}`);
    }
    log(`archives: restored in ${restore.seconds.toFixed(1)} s (${restore.where})`);
    return {
      documents,
      seedSeconds,
      export: {
        ...exportFigures,
        seconds: exported.seconds,
        serverSeconds:
          view.finished_at === undefined
            ? Number.NaN
            : (Date.parse(view.finished_at) - Date.parse(view.created_at)) / 1000,
        bytes: view.archive.bytes,
        sha256: view.archive.sha256,
        counts: view.archive.counts,
      },
      download: { seconds: downloadSeconds, bytes: downloaded.bytes },
      restore,
    };
  } finally {
    await rm(file, { force: true });
  }
}
