import type { MiddlewareObj } from "@middy/core";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { HttpEvent, HttpResult } from "./endpoint";
import { HttpProblem } from "./problem";

/**
 * The body as JSON. The media type is checked here first (with the parser's own pattern), so that
 * what fails inside `@middy/http-json-body-parser` afterwards can only be the JSON itself:
 * problem.ts recognises the parser's errors by their origin and status, never by their wording.
 * `required: false` (DELETE, which may name its target in the query instead) parses a body only
 * when one was sent.
 */
const JSON_MEDIA_TYPE = /^application\/(.+\+)?json($|;.+)/;

const unsupportedMediaType = () =>
  new HttpProblem(
    415,
    "unsupported-media-type",
    "Unsupported Media Type",
    "Send the request body as application/json.",
  );

export function jsonBody({ required }: { readonly required: boolean }): MiddlewareObj<HttpEvent, HttpResult> {
  // The parser's types insist the body stays a string; after it runs, it is the parsed JSON.
  const parser = httpJsonBodyParser() as unknown as MiddlewareObj<HttpEvent, HttpResult>;
  return {
    before: async (request) => {
      const { body, headers } = request.event;
      if (!required && (body === undefined || body === null || body === "")) return;
      if (!JSON_MEDIA_TYPE.test(headers?.["content-type"] ?? "")) throw unsupportedMediaType();
      await parser.before?.(request);
    },
  };
}
