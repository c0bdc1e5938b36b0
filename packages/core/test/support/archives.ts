import { createHash } from "node:crypto";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, gzipSync } from "node:zlib";
import tar from "tar-stream";

/** A writable that keeps what it is given, and the bytes once it has ended. */
export function collector(): { readonly stream: Writable; readonly bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/** An archive's entries by name, in their order. */
export async function entriesOf(archive: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      entries.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.from([archive]), createGunzip(), extract);
  return entries;
}

/** A gzip'd tar of these entries, in this order. */
export async function packed(entries: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of entries) pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await pipeline(pack, sink);
  return gzipSync(Buffer.concat(chunks));
}

/**
 * The archive with its entries edited, and — unless `manifest: "stale"` — a manifest whose parts'
 * hashes and sizes are the edited ones' (what a forger who knows the format would do).
 */
export async function edited(
  archive: Buffer,
  edit: (entries: Map<string, Buffer>, manifest: Record<string, unknown>) => void,
  options: { readonly manifest?: "stale" | "rehashed" } = {},
): Promise<Buffer> {
  const entries = await entriesOf(archive);
  const manifest = JSON.parse(entries.get("manifest.json")!.toString("utf8")) as Record<string, unknown> & {
    parts: Record<string, { sha256: string; bytes: number }>;
  };
  edit(entries, manifest);
  if (options.manifest !== "stale") {
    for (const [name, content] of entries) {
      if (name === "manifest.json" || name === "manifest.jws") continue;
      manifest.parts[name] = { sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length };
    }
  }
  entries.set("manifest.json", Buffer.from(JSON.stringify(manifest)));
  return packed(entries);
}
