import type { MiddlewareObj } from "@middy/core";
import { config } from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { HttpProblem } from "./problem";

/**
 * No request body beyond 64 KiB: every body this API accepts is a few hundred bytes, so anything
 * larger is refused with 413 before a byte of it is parsed. The document routes take more
 * ({@link documentBodyLimit}).
 */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A document's body: JSON may spell a BSON byte in up to six (`\u0000`), so a body of six times
 * `TENANT_DOCUMENT_MAX_BYTES` (and a little for the braces) can hold any document that fits; core
 * then measures the document as BSON and answers 413 past the limit. Larger bodies are refused
 * here, unparsed.
 */
export const documentBodyLimit = (): number => Math.max(MAX_BODY_BYTES, 6 * config().data.documentMaxBytes + 1024);

/**
 * An archive uploaded to restore (`POST /platform/organizations/restore`): Lambda takes at most
 * 6 MB of request, in which API Gateway spells the archive's bytes in base64 (4 for every 3).
 * Larger archives are restored from an export the service keeps, or with `pnpm tenants restore`.
 */
export const ARCHIVE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

export function bodyLimit(limit: () => number = () => MAX_BODY_BYTES): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: ({ event }) => {
      const { body } = event;
      if (typeof body !== "string" || body.length === 0) return;
      const bytes = event.isBase64Encoded ? Buffer.byteLength(body, "base64") : Buffer.byteLength(body, "utf8");
      const max = limit();
      if (bytes > max) {
        throw new HttpProblem(
          413,
          "payload-too-large",
          "Content Too Large",
          `The request body may be at most ${max} bytes.`,
        );
      }
    },
  };
}
