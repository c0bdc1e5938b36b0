import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import * as z from "zod/mini";
import { ValidationError } from "../errors";
import { isSignatureOf, SIGNATURE } from "./signature";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST,
  type Manifest,
  manifestSchema,
  PARTS,
  type PartName,
} from "./format";

/**
 * Reading an archive someone hands the service: unpacked into a temporary directory of its own
 * (every entry checked as it arrives — a known name, a plain file, no second copy, and no more
 * bytes in all than the limit, so that a small gzip cannot unpack into a disk's worth), then
 * trusted only once the manifest is of a known format and version and every part's SHA-256 and
 * size are the manifest's. Nothing is written to the database before that.
 */

export interface OpenedArchive {
  readonly manifest: Manifest;
  /**
   * Whether this service signed it (signature.ts), with its current or previous key: then it is
   * as this service wrote it, and may be trusted with what an owner must not choose.
   */
  readonly signed: boolean;
  /** A JSON part, parsed. */
  json(name: Exclude<PartName, "documents.ndjson" | "audit.ndjson" | "events.ndjson">): Promise<unknown>;
  /** An NDJSON part's lines, one at a time. */
  lines(name: "documents.ndjson" | "audit.ndjson" | "events.ndjson"): AsyncIterable<string>;
  /** Remove the unpacked parts. */
  close(): Promise<void>;
}

/** Refused: the archive is not one this service wrote, or not as it wrote it. */
export function invalidArchive(message: string, options?: ErrorOptions): ValidationError {
  return new ValidationError([{ path: "archive", message }], options);
}

const KNOWN = new Set<string>([MANIFEST, SIGNATURE, ...PARTS]);

/** Room for the tar format's own headers and padding around the parts (a few KB in an archive this service writes). */
const TAR_OVERHEAD_BYTES = 1024 * 1024;

export async function openArchive(source: Readable, limits: { readonly maxBytes: number }): Promise<OpenedArchive> {
  const directory = await mkdtemp(join(tmpdir(), "org-service-restore-"));
  const close = () => rm(directory, { recursive: true, force: true });
  try {
    const found = await unpack(source, directory, limits.maxBytes);
    const manifest = parseManifest(await readFile(join(directory, MANIFEST), "utf8").catch(() => undefined));
    for (const name of PARTS) {
      const expected = manifest.parts[name];
      const actual = found.get(name);
      if (!actual) throw invalidArchive(`it has no ${name}`);
      if (!expected || expected.sha256 !== actual.sha256 || expected.bytes !== actual.bytes) {
        throw invalidArchive(`${name} is not the part its manifest names (its SHA-256 or size differs)`);
      }
    }
    const signature = found.has(SIGNATURE) ? await readFile(join(directory, SIGNATURE), "utf8") : undefined;
    const signed = signature !== undefined && (await isSignatureOf(signature, found.get(MANIFEST)!.sha256));
    return {
      manifest,
      signed,
      json: async (name) => {
        try {
          return JSON.parse(await readFile(join(directory, name), "utf8"));
        } catch (error) {
          throw invalidArchive(`${name} is not JSON`, { cause: error });
        }
      },
      lines: (name) => nonEmptyLines(join(directory, name)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function* nonEmptyLines(path: string): AsyncIterable<string> {
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line.length > 0) yield line;
}

async function unpack(
  source: Readable,
  directory: string,
  maxBytes: number,
): Promise<Map<string, { sha256: string; bytes: number }>> {
  const found = new Map<string, { sha256: string; bytes: number }>();
  const extract = tar.extract();
  // The first reason to stop reading: what the caller is told, whatever the streams report as they are torn down.
  let refusal: ValidationError | undefined;
  const refuse = (message: string) => {
    refusal ??= invalidArchive(message);
    extract.destroy(refusal);
  };
  let total = 0;
  extract.on("entry", (header, stream, next) => {
    // Torn down with the extractor when the archive is refused: the refusal is reported once, above.
    stream.on("error", () => undefined);
    if (header.type !== "file" || !KNOWN.has(header.name)) {
      stream.resume();
      return refuse(`it holds ${header.name}, which no archive has`);
    }
    if (found.has(header.name)) {
      stream.resume();
      return refuse(`it holds ${header.name} twice`);
    }
    const hash = createHash("sha256");
    let bytes = 0;
    const file = createWriteStream(join(directory, header.name), { mode: 0o600 });
    // A disk that is full (or gone) refuses the archive rather than the process.
    file.on("error", (error) => {
      stream.destroy();
      extract.destroy(error);
    });
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        file.destroy();
        refuse(`it unpacks to more than ${maxBytes} bytes`);
        return;
      }
      hash.update(chunk);
      if (!file.write(chunk)) {
        stream.pause();
        file.once("drain", () => stream.resume());
      }
    });
    stream.on("end", () => {
      file.end();
      once(file, "finish").then(() => {
        found.set(header.name, { sha256: hash.digest("hex"), bytes });
        next();
      }, next);
    });
  });
  // Counted as it leaves the gzip, before the tar reader buffers anything: an archive's headers
  // (a pax or GNU long-name header is held whole) count against the bound as its files do.
  let unpacked = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      if (unpacked > maxBytes + TAR_OVERHEAD_BYTES) {
        refusal ??= invalidArchive(`it unpacks to more than ${maxBytes} bytes`);
        done(refusal);
        return;
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, createGunzip(), bounded, extract);
  } catch (error) {
    throw refusal ?? invalidArchive("it is not a gzip'd tar archive", { cause: error });
  }
  if (refusal) throw refusal;
  return found;
}

function parseManifest(text: string | undefined): Manifest {
  if (text === undefined) throw invalidArchive(`it has no ${MANIFEST}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidArchive(`its ${MANIFEST} is not JSON`, { cause: error });
  }
  const header = z.safeParse(z.object({ format: z.string(), format_version: z.number() }), value);
  if (!header.success || header.data.format !== ARCHIVE_FORMAT) {
    throw invalidArchive(`it is not an ${ARCHIVE_FORMAT} archive`);
  }
  if (header.data.format_version !== ARCHIVE_FORMAT_VERSION) {
    throw invalidArchive(
      `its format version is ${header.data.format_version}; this service reads version ${ARCHIVE_FORMAT_VERSION}`,
    );
  }
  const parsed = z.safeParse(manifestSchema, value);
  if (!parsed.success) throw invalidArchive(`its ${MANIFEST} is malformed`);
  return parsed.data;
}
