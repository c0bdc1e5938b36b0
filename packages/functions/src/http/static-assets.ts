import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { HttpEvent, HttpResult } from "./endpoint";
import { HttpProblem } from "./problem";

/**
 * A fixed set of text files served by one function (the dashboard's, Swagger UI's). Each asset
 * URL carries a hash of its content (`?v=`), so a page always names the exact version it needs:
 * that URL may be cached for a year, and a deploy that changes the file changes the URL. Asked
 * for under any other `v`, the asset is still served, but must be revalidated (ETag).
 */
export type Asset = TextAsset | GzippedAsset;

interface AssetBase {
  readonly name: string;
  readonly contentType: string;
}

/** A file as text (`import … from "<file>?raw"`), gzipped on first request when worth it. */
export interface TextAsset extends AssetBase {
  readonly body: string;
}

/**
 * A file gzipped at build time (`import … from "<file>?gzip"`, packages/functions/text-imports.ts), in
 * base64: for the large files, whose text would triple the bundle. Served as is to clients that
 * accept gzip, gunzipped (once per container) for the others.
 */
export interface GzippedAsset extends AssetBase {
  readonly gzipped: string;
}

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";
/** Below this, gzip's header and base64 cost more than they save. */
const COMPRESS_FROM_BYTES = 1024;

/** An asset's two representations, each computed at most once per container. */
interface Prepared {
  readonly contentType: string;
  readonly version: string;
  readonly plain: () => string;
  /** Undefined when not worth compressing. */
  readonly gzipped: (() => string) | undefined;
}

export class AssetSet {
  readonly #assets: ReadonlyMap<string, Prepared>;

  constructor(assets: readonly Asset[]) {
    this.#assets = new Map(assets.map((asset) => [asset.name, prepare(asset)]));
  }

  /** The versioned URL of an asset, under `base` (e.g. `/docs/`). */
  url(base: string, name: string): string {
    const asset = this.#assets.get(name);
    if (!asset) throw new Error(`No asset named ${name}`);
    return `${base}${encodeURIComponent(name)}?v=${asset.version}`;
  }

  /** A page's `{{asset:<name>}}` placeholders → the assets' versioned URLs. */
  fillUrls(page: string, base: string): string {
    return page.replace(/\{\{asset:([\w.-]+)\}\}/g, (_placeholder, name: string) => this.url(base, name));
  }

  /** The asset named by the `{asset}` path variable; 404 for any other name. */
  respond(event: HttpEvent): HttpResult {
    const name = event.pathParameters?.asset ?? "";
    const asset = this.#assets.get(name);
    if (!asset) throw new HttpProblem(404, "not-found", "Not Found", `No asset is named "${name}".`);
    const versioned = event.queryStringParameters?.v === asset.version;
    return encodedResponse(event, asset, { cacheControl: versioned ? IMMUTABLE : REVALIDATE });
  }
}

function prepare(asset: Asset): Prepared {
  if ("gzipped" in asset) {
    const { gzipped } = asset;
    let plain: string | undefined;
    return {
      contentType: asset.contentType,
      // A hash of the gzipped bytes, which identify the content as well as its text would and
      // need no gunzipping at init. They are the same for the same file on every build (no timestamp
      // in the header, a fixed level: packages/functions/text-imports.ts), so the URL changes only
      // when the file does (or, at worst, once with a new zlib).
      version: contentHash(gzipped),
      plain: () => (plain ??= gunzipSync(Buffer.from(gzipped, "base64")).toString("utf8")),
      gzipped: () => gzipped,
    };
  }
  const { body } = asset;
  let gzipped: string | undefined;
  return {
    contentType: asset.contentType,
    // Hashed once per container.
    version: contentHash(body),
    plain: () => body,
    gzipped: Buffer.byteLength(body) >= COMPRESS_FROM_BYTES ? () => (gzipped ??= gzip(body)) : undefined,
  };
}

/**
 * A text response (a page or an asset): strong ETag with 304 on a match, gzip when the client
 * accepts it (API Gateway HTTP APIs do not compress).
 */
export interface TextResponseOptions {
  readonly cacheControl: string;
  /** The ETag's value; a hash of the body unless given. */
  readonly version?: string;
  readonly headers?: Record<string, string>;
}

export function textResponse(
  event: HttpEvent,
  file: { readonly contentType: string; readonly body: string },
  options: TextResponseOptions,
): HttpResult {
  const { body } = file;
  return encodedResponse(
    event,
    {
      contentType: file.contentType,
      version: options.version ?? contentHash(body),
      plain: () => body,
      gzipped: Buffer.byteLength(body) >= COMPRESS_FROM_BYTES ? () => gzip(body) : undefined,
    },
    options,
  );
}

function encodedResponse(
  event: HttpEvent,
  file: Prepared,
  options: Pick<TextResponseOptions, "cacheControl" | "headers">,
): HttpResult {
  // Weak: the gzipped and the plain representation share it.
  const etag = `W/"${file.version}"`;
  const common = {
    "cache-control": options.cacheControl,
    etag,
    vary: "accept-encoding",
    ...options.headers,
  };
  if (event.headers?.["if-none-match"]?.split(/\s*,\s*/).includes(etag)) return { statusCode: 304, headers: common };
  const compressed = acceptsGzip(event) ? file.gzipped : undefined;
  return {
    statusCode: 200,
    headers: { "content-type": file.contentType, ...(compressed && { "content-encoding": "gzip" }), ...common },
    body: compressed ? compressed() : file.plain(),
    isBase64Encoded: compressed !== undefined,
  };
}

const gzip = (body: string): string => gzipSync(body).toString("base64");

function acceptsGzip(event: HttpEvent): boolean {
  return /(^|[\s,])gzip(?!;\s*q=0(\.0*)?\s*(,|$))/i.test(event.headers?.["accept-encoding"] ?? "");
}

export function contentHash(body: string): string {
  return createHash("sha256").update(body).digest("base64url").slice(0, 16);
}
