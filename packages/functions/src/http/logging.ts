import type { MiddlewareObj } from "@middy/core";
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { HttpEvent, HttpResult } from "./endpoint";
import { sourceMappedStack } from "./source-mapped-stack";

/**
 * Structured JSON logs (AWS Lambda Powertools Logger): one line per request, plus one at ERROR
 * with the stack for each unexpected failure. The level comes from POWERTOOLS_LOG_LEVEL or
 * LOG_LEVEL (Lambda's own log-level setting wins when configured), INFO by default.
 *
 * What a line may hold is listed here and nowhere else: ids, route, status, latency. Never a body,
 * a header, a query string or the event — passwords, tokens, hashes and connection strings travel
 * in those — and error texts are scrubbed of anything shaped like one.
 */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || "org-service" });
}

export const logger = createLogger();

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

/**
 * Driver and library messages may quote what they were given. Anything shaped like a secret this
 * service handles is masked before it is written.
 */
export function redact(text: string): string {
  return text
    .replace(/(mongodb(?:\+srv)?:\/\/)[^\s"'`]*/gi, "$1[redacted]")
    .replace(/\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}/g, "[redacted bcrypt hash]")
    .replace(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g, "[redacted token]")
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[redacted key]");
}
