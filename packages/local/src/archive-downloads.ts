import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { config, NotFoundError, openDownload } from "@org-service/core";
import { PROBLEM_CONTENT_TYPE } from "@org-service/functions/gateway";

/**
 * Where archives are kept in a directory (no EXPORTS_BUCKET), the local server serves them as the
 * bucket's presigned URLs would: `GET /local/archives/download?token=…`, the token a link core
 * signed for one archive and 15 minutes. A forged, expired or misdirected token is a 404 problem
 * that says nothing more; so is every method but GET and HEAD.
 */
export async function serveArchiveDownload(request: IncomingMessage, response: ServerResponse, url: URL) {
  if (config().archives.bucket || (request.method !== "GET" && request.method !== "HEAD")) {
    return notFound(response);
  }
  let download: Awaited<ReturnType<typeof openDownload>>;
  try {
    download = await openDownload(url.searchParams.get("token") ?? "");
  } catch (error) {
    if (error instanceof NotFoundError) return notFound(response);
    throw error;
  }
  response.writeHead(200, {
    "content-type": "application/gzip",
    "content-disposition": `attachment; filename="${download.filename}"`,
    "cache-control": "no-store",
  });
  if (request.method === "HEAD") {
    download.stream.destroy();
    response.end();
    return;
  }
  try {
    await pipeline(download.stream, response);
  } catch {
    // The client went away mid-download: nothing to answer, nothing unexpected.
    response.destroy();
  }
}

/** A problem, as the API answers one, that tells nothing of why (forged, expired or misdirected). */
function notFound(response: ServerResponse): void {
  response.writeHead(404, { "content-type": PROBLEM_CONTENT_TYPE }).end(
    JSON.stringify({
      type: "urn:org-service:problem:not-found",
      title: "Not Found",
      status: 404,
      detail: "This download link is not valid, or has expired.",
    }),
  );
}
