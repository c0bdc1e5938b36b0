import type { MiddlewareObj } from "@middy/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { logger, logUnexpectedError } from "./logging";
import { isInvocationTimeout, PROBLEM_CONTENT_TYPE, toProblemResponse } from "./problem";

/**
 * The one error path: whatever a middleware or the handler throws becomes the answer here, an RFC
 * 9457 problem (problem.ts decides which). Unexpected failures are logged once, with their stack,
 * for operators; the client gets the generic problem. An invocation that runs out of time is no
 * unexpected error: it answers 503 `timeout` with Retry-After, and is logged once as a timeout
 * naming its route and its time limit.
 */
export function problemResponses(): MiddlewareObj<HttpEvent, HttpResult> {
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
      request.response = {
        statusCode: problem.status,
        headers: { ...headers, "content-type": PROBLEM_CONTENT_TYPE },
        body: JSON.stringify(problem),
      };
    },
  };
}
