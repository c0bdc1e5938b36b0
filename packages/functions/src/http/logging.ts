import type { MiddlewareObj } from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logger, redact } from "@org-service/core/logger";
import type { HttpEvent, HttpResult } from "./endpoint";
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
 */
export function requestLogging(): MiddlewareObj<HttpEvent, HttpResult>[] {
  // logEvent false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the body.
  return [
    injectLambdaContext(logger, { logEvent: false, resetKeys: true }) as MiddlewareObj<HttpEvent, HttpResult>,
    accessLog(),
  ];
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
export async function logUnexpectedError(error: unknown): Promise<void> {
  logger.error("unexpected error", { error: await describe(error) });
}

async function describe(error: unknown): Promise<Record<string, string | undefined>> {
  if (!(error instanceof Error)) return { message: redact(String(error)) };
  const stack = error.stack === undefined ? undefined : redact(await sourceMappedStack(error.stack));
  return { name: error.name, message: redact(error.message), stack };
}
