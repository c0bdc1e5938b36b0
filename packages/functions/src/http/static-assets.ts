import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { HttpEvent, HttpResult } from "./handler";
import { HttpProblem } from "./problem";

/**
 * A fixed set of text files served by one function (the dashboard's, Swagger UI's). Each asset
 * URL carries a hash of its content (`?v=`), so a page always names the exact version it needs:
 * that URL may be cached for a year, and a deploy that changes the file changes the URL. Asked
 * for under any other `v`, the asset is still served, but must be revalidated (ETag).
 */
export interface Asset {
  readonly name: string;
  readonly contentType: string;
  readonly body: string;
}

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";
/** Below this, gzip's header and base64 cost more than they save. */
const COMPRESS_FROM_BYTES = 1024;

interface Prepared extends Asset {
  readonly version: string;
  gzipped?: string;
}

export class AssetSet {
  readonly #assets: ReadonlyMap<string, Prepared>;

  constructor(assets: readonly Asset[]) {
    // Hashed once per container (a few ms even for Swagger UI's 1.7 MB).
    this.#assets = new Map(assets.map((asset) => [asset.name, { ...asset, version: contentHash(asset.body) }]));
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
    return textResponse(event, asset, {
      cacheControl: versioned ? IMMUTABLE : REVALIDATE,
      version: asset.version,
      gzip: () => (asset.gzipped ??= gzip(asset.body)),
    });
  }
}

/**
 * A text response (a page or an asset): strong ETag with 304 on a match, gzip when the client
 * accepts it (API Gateway HTTP APIs do not compress).
 */
export interface TextResponseOptions {
  readonly cacheControl: string;
  /** The ETag's value; a hash of the body unless given. */
  readonly version?: string;
  /** The gzipped body in base64, e.g. memoized per container. */
  readonly gzip?: () => string;
  readonly headers?: Record<string, string>;
}

export function textResponse(event: HttpEvent, file: { readonly contentType: string; readonly body: string }, options: TextResponseOptions): HttpResult {
  // Weak: the gzipped and the plain representation share it.
  const etag = `W/"${options.version ?? contentHash(file.body)}"`;
  const common = {
    "cache-control": options.cacheControl,
    etag,
    vary: "accept-encoding",
    ...options.headers,
  };
  if (event.headers?.["if-none-match"]?.split(/\s*,\s*/).includes(etag)) return { statusCode: 304, headers: common };
  const compress = acceptsGzip(event) && Buffer.byteLength(file.body) >= COMPRESS_FROM_BYTES;
  return {
    statusCode: 200,
    headers: { "content-type": file.contentType, ...(compress && { "content-encoding": "gzip" }), ...common },
    body: compress ? (options.gzip ?? (() => gzip(file.body)))() : file.body,
    isBase64Encoded: compress,
  };
}

const gzip = (body: string): string => gzipSync(body).toString("base64");

function acceptsGzip(event: HttpEvent): boolean {
  return /(^|[\s,])gzip(?!;\s*q=0(\.0*)?\s*(,|$))/i.test(event.headers?.["accept-encoding"] ?? "");
}

export function contentHash(body: string): string {
  return createHash("sha256").update(body).digest("base64url").slice(0, 16);
}
