import type { MiddlewareObj } from "@middy/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { jsonBody } from "./json-body";
import { HttpProblem } from "./problem";

/**
 * A body that is either JSON (parsed as every JSON body is) or an archive, `application/gzip`,
 * which becomes the bytes it holds (API Gateway passes it base64-encoded). Anything else: 415.
 */
const GZIP_MEDIA_TYPE = /^application\/(x-)?gzip($|;.+)/;

export function archiveOrJsonBody(): MiddlewareObj<HttpEvent, HttpResult> {
  const json = jsonBody({ required: true });
  return {
    before: async (request) => {
      const { event } = request;
      if (!GZIP_MEDIA_TYPE.test(event.headers?.["content-type"] ?? "")) return json.before?.(request);
      if (typeof event.body !== "string" || event.body.length === 0) {
        throw new HttpProblem(400, "archive-missing", "Archive Missing", "Send the archive as the request body.");
      }
      event.body = Buffer.from(event.body, event.isBase64Encoded ? "base64" : "binary");
    },
  };
}
