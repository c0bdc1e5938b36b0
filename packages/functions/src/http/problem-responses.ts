import type { MiddlewareObj } from "@middy/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { logger, logUnexpectedError } from "./logging";
import { isInvocationTimeout, PROBLEM_CONTENT_TYPE, toProblemResponse } from "./problem";

/**
 * The one error path, in three steps that run one after the other on an error (endpoint.ts composes
 * them, in that order):
 *
 * 1. {@link problemErrors}: whatever a middleware or the handler threw becomes the HTTP error it
 *    is to render — its status, `expose: true`, the RFC 9457 problem as its message (problem.ts
 *    decides which problem) and the headers that go with it (Retry-After, WWW-Authenticate).
 *    Unexpected failures are logged once, with their stack, for operators; the client gets the
 *    generic problem. An invocation that runs out of time is no unexpected error: it answers 503
 *    `timeout` with Retry-After, and is logged once as a timeout naming its route and its limit.
 * 2. `@middy/http-error-handler` renders that error as the response: status, headers, body.
 * 3. {@link problemMediaType}: the response is a problem, whatever the renderer guessed from its
 *    body: `application/problem+json`.
 */
export function problemErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  // Per request, not per module: the local server runs requests of one handler concurrently.
  const limits = new WeakMap<object, number>();
  return {
    before: (request) => {
      const remaining = request.context.getRemainingTimeInMillis?.();
      if (remaining !== undefined) limits.set(request, remaining);
    },
    onError: async (request) => {
      if (request.response !== undefined) return;
      const { problem, headers, unexpected } = toProblemResponse(request.error);
      if (unexpected) await logUnexpectedError(request.error, request.event.requestContext.requestId);
      if (isInvocationTimeout(request.error)) {
        logger.error("timeout", {
          route: request.event.routeKey,
          limit_ms: limits.get(request),
          request_id: request.event.requestContext.requestId,
        });
      }
      request.error = Object.assign(new Error(JSON.stringify(problem)), {
        statusCode: problem.status,
        expose: true,
        headers,
      });
    },
  };
}

/** Every error response is a problem document: its media type says so (RFC 9457). */
export function problemMediaType(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const response = request.response;
      if (response === undefined || response === null || typeof response !== "object") return;
      const { "Content-Type": _guessed, "content-type": _set, ...headers } = response.headers ?? {};
      request.response = { ...response, headers: { ...headers, "content-type": PROBLEM_CONTENT_TYPE } };
    },
  };
}
