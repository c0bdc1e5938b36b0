import type { MiddlewareObj } from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logger, redact } from "@org-service/core/logger";
import type { HttpEvent, HttpResult } from "./endpoint";
import { isConcurrentInvocation } from "./lambda-context";
import { sourceMappedStack } from "./source-mapped-stack";

/**
 * The functions' logs, written with core's logger (core/src/logger.ts): one line per request,
 * plus one at ERROR with the stack for each unexpected failure.
 *
 * What a line may hold is listed here and nowhere else: ids, route, status, latency. Never a body,
 * a header, a query string or the event — passwords, tokens, hashes and connection strings travel
 * in those — and error texts are scrubbed of anything shaped like one.
 */
export { logger };

/**
 * Lambda context on every line (function_request_id, cold_start, …), and the per-request line.
 * Middy runs `after`/`onError` in reverse order of `use`, so used first these run last and see
 * the final response.
 *
 * The logger is one per process, and so is the Lambda context it adds: right on Lambda, where a
 * container serves one invocation at a time, wrong where invocations run at once (the local
 * server), where it would name whichever started last. There it is left out, and the lines the
 * functions write name their request themselves (`request_id`). (Scoping it per invocation, as
 * Lambda's concurrent runtime does, takes an AsyncLocalStorage, whose promise hooks cost the local
 * server about a tenth of its CPU per request on Node 20.)
 */
export function requestLogging(): MiddlewareObj<HttpEvent, HttpResult>[] {
  // logEvent false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the body.
  const inject = injectLambdaContext(logger, { logEvent: false, resetKeys: true }) as MiddlewareObj<
    HttpEvent,
    HttpResult
  >;
  const lambdaContext: MiddlewareObj<HttpEvent, HttpResult> = {
    before: (request) => (isConcurrentInvocation(request.context) ? undefined : inject.before?.(request)),
    after: (request) => (isConcurrentInvocation(request.context) ? undefined : inject.after?.(request)),
    onError: (request) => (isConcurrentInvocation(request.context) ? undefined : inject.onError?.(request)),
  };
  return [lambdaContext, accessLog()];
}

function accessLog(): MiddlewareObj<HttpEvent, HttpResult> {
  // Per request, not per module: the local server runs requests of one handler concurrently.
  const started = new WeakMap<object, number>();
  const write = (request: { event: HttpEvent; response?: HttpResult | null }) => {
    const { event } = request;
    const startedAt = started.get(request);
    const organizationId = event.requestContext.authorizer?.jwt?.claims?.org;
    logger.info("request", {
      request_id: event.requestContext.requestId,
      route: event.routeKey,
      method: event.requestContext.http.method,
      path: event.rawPath,
      status: request.response?.statusCode ?? 500,
      latency_ms: startedAt === undefined ? undefined : Math.round((performance.now() - startedAt) * 100) / 100,
      ...(typeof organizationId === "string" && organizationId && { organization_id: organizationId }),
    });
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: write,
    onError: write,
  };
}

/**
 * An unexpected failure, for operators: name, message and stack (pointing at the sources, not the
 * minified bundle), scrubbed. The client sees a generic problem.
 */
export async function logUnexpectedError(error: unknown, requestId?: string): Promise<void> {
  logger.error("unexpected error", {
    ...(requestId !== undefined && { request_id: requestId }),
    error: await describe(error),
  });
}

async function describe(error: unknown): Promise<Record<string, string | undefined>> {
  if (!(error instanceof Error)) return { message: redact(String(error)) };
  const stack = error.stack === undefined ? undefined : redact(await sourceMappedStack(error.stack));
  return { name: error.name, message: redact(error.message), stack };
}
