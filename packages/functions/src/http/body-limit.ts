import type { MiddlewareObj } from "@middy/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { HttpProblem } from "./problem";

/**
 * No request body beyond 64 KiB: every body this API accepts is a few hundred bytes, so anything
 * larger is refused with 413 before a byte of it is parsed.
 */
export const MAX_BODY_BYTES = 64 * 1024;

export function bodyLimit(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: ({ event }) => {
      const { body } = event;
      if (typeof body !== "string" || body.length === 0) return;
      const bytes = event.isBase64Encoded ? Buffer.byteLength(body, "base64") : Buffer.byteLength(body, "utf8");
      if (bytes > MAX_BODY_BYTES) {
        throw new HttpProblem(
          413,
          "payload-too-large",
          "Content Too Large",
          `The request body may be at most ${MAX_BODY_BYTES} bytes.`,
        );
      }
    },
  };
}
