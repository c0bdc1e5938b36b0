import { Logger } from "@aws-lambda-powertools/logger";
import type { RequestContext } from "./context";

/**
 * The service's structured JSON logs (AWS Lambda Powertools Logger), one logger for every part of
 * it: the functions' request lines and unexpected errors, core's own reports (an audit entry that
 * could not be written), the reconciler. The level comes from POWERTOOLS_LOG_LEVEL or LOG_LEVEL
 * (Lambda's own log-level setting wins when configured), INFO by default.
 */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || "org-service" });
}

export const logger = createLogger();

/**
 * The field that names the request a line was written for, for lines core writes while serving
 * one: the same `request_id` as the request's access line. The local server serves requests at
 * once in one process, where no shared logger state can say which one a line belongs to; on
 * Lambda it is the API Gateway request id, beside the invocation's `function_request_id`.
 */
export function requestFields(context: RequestContext | undefined): { readonly request_id?: string } {
  return context?.requestId === undefined ? {} : { request_id: context.requestId };
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
    .replace(/\bcs_[\w-]{20,}/g, "[redacted client secret]")
    .replace(/\bwhsec_[\w+/=-]{20,}/g, "[redacted webhook secret]")
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[redacted key]");
}
