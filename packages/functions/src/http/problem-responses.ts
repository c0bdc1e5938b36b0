import type { MiddlewareObj } from "@middy/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { logUnexpectedError } from "./logging";
import { PROBLEM_CONTENT_TYPE, toProblemResponse } from "./problem";

/**
 * The one error path: whatever a middleware or the handler throws becomes the answer here, an RFC
 * 9457 problem (problem.ts decides which). Unexpected failures are logged once, with their stack,
 * for operators; the client gets the generic problem.
 */
export function problemResponses(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      if (request.response !== undefined) return;
      const { problem, headers, unexpected } = toProblemResponse(request.error);
      if (unexpected) await logUnexpectedError(request.error);
      request.response = {
        statusCode: problem.status,
        headers: { ...headers, "content-type": PROBLEM_CONTENT_TYPE },
        body: JSON.stringify(problem),
      };
    },
  };
}
