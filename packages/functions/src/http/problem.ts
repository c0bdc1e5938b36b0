import {
  ConfigurationError,
  ConflictError,
  DomainError,
  isDatabaseUnavailableError,
  TenantMovingError,
  TooManyAttemptsError,
  UnauthenticatedError,
  UpstreamUnavailableError,
  ValidationError,
  type FieldIssue,
} from "@org-service/core";

/**
 * RFC 9457 problem details: every error this API returns has this shape and the media type
 * `application/problem+json`.
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly FieldIssue[];
  /** Extension members some problems carry (RFC 9457 §3.2), e.g. the organizations to choose from. */
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const TYPE_BASE = "urn:org-service:problem:";

/** An HTTP-level failure raised by the plumbing itself (not the domain). */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    options: ErrorOptions & { readonly headers?: Record<string, string> } = {},
  ) {
    super(detail, options);
    this.headers = options.headers ?? {};
  }
}

export interface ProblemResponse {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;
  /** Only unexpected failures are logged with their stack; client mistakes are not errors. */
  readonly unexpected: boolean;
}

const problem = (
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: readonly FieldIssue[],
): ProblemDetails => ({
  type: `${TYPE_BASE}${code}`,
  title,
  status,
  detail,
  ...(errors && errors.length > 0 && { errors }),
});

const domainProblems = {
  validation: [422, "validation-failed", "Unprocessable Content"],
  "not-found": [404, "not-found", "Not Found"],
  conflict: [409, "conflict", "Conflict"],
  gone: [410, "gone", "Gone"],
  "invalid-credentials": [401, "invalid-credentials", "Unauthorized"],
  unauthenticated: [401, "unauthenticated", "Unauthorized"],
  forbidden: [403, "forbidden", "Forbidden"],
  "too-many-attempts": [429, "too-many-attempts", "Too Many Requests"],
  "too-large": [413, "payload-too-large", "Content Too Large"],
  "quota-exceeded": [403, "quota-exceeded", "Forbidden"],
  "no-capacity": [503, "no-capacity", "Service Unavailable"],
  "tenant-moving": [409, "tenant-moving", "Conflict"],
  "upstream-unavailable": [503, "upstream-unavailable", "Service Unavailable"],
  "email-not-verified": [403, "email-not-verified", "Forbidden"],
  "mfa-enrollment-required": [403, "mfa-enrollment-required", "Forbidden"],
  "password-change-required": [403, "password-change-required", "Forbidden"],
  "sso-required": [403, "sso-required", "Forbidden"],
  "organization-suspended": [403, "organization-suspended", "Forbidden"],
} as const;

/** Headers that belong with a domain failure: how to authenticate, when to retry. */
function domainHeaders(error: DomainError): Record<string, string> {
  if (error instanceof UnauthenticatedError) return { "www-authenticate": 'Bearer error="invalid_token"' };
  if (
    error instanceof TooManyAttemptsError ||
    error instanceof TenantMovingError ||
    error instanceof UpstreamUnavailableError
  ) {
    return { "retry-after": String(error.retryAfterSeconds) };
  }
  return {};
}

/**
 * What Middy throws when an invocation is about to run out of its time (core's `timeoutEarly`,
 * a few milliseconds before Lambda would end it): an error named TimeoutError from `@middy/core`.
 */
export function isInvocationTimeout(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "TimeoutError") return false;
  return (error.cause as { package?: unknown } | undefined)?.package === "@middy/core";
}

/** How long a client should wait after a timeout: the work it asked for may still be finishing. */
const TIMEOUT_RETRY_AFTER_SECONDS = 5;

/** Map anything a handler may throw to the problem the client sees. Internals never pass through. */
export function toProblemResponse(error: unknown): ProblemResponse {
  if (error instanceof DomainError) {
    const [status, code, title] = domainProblems[error.kind];
    const errors =
      error instanceof ValidationError
        ? error.issues
        : error instanceof ConflictError
          ? [{ path: error.field, message: error.issue }]
          : undefined;
    return {
      problem: { ...problem(status, code, title, error.message, errors), ...error.extensions },
      headers: domainHeaders(error),
      unexpected: false,
    };
  }
  if (error instanceof HttpProblem) {
    return {
      problem: problem(error.status, error.code, error.title, error.message),
      headers: error.headers,
      unexpected: false,
    };
  }
  if (isInvocationTimeout(error)) {
    // Not a bug of the service's to log with a stack: the caller logs it once, as a timeout.
    return {
      problem: problem(
        503,
        "timeout",
        "Service Unavailable",
        "The request did not finish within its time limit; try again shortly.",
      ),
      headers: { "retry-after": String(TIMEOUT_RETRY_AFTER_SECONDS) },
      unexpected: false,
    };
  }
  const fromBodyParser = bodyParserProblem(error);
  if (fromBodyParser) return { problem: fromBodyParser, headers: {}, unexpected: false };
  if (isDatabaseUnavailableError(error)) {
    return {
      problem: problem(
        503,
        "unavailable",
        "Service Unavailable",
        "The database is not reachable right now; try again shortly.",
      ),
      headers: { "retry-after": "5" },
      unexpected: true,
    };
  }
  const detail =
    error instanceof ConfigurationError ? "The service is misconfigured." : "An unexpected error occurred.";
  return { problem: problem(500, "internal", "Internal Server Error", detail), headers: {}, unexpected: true };
}

/**
 * `@middy/http-json-body-parser` names itself as its errors' origin. It runs only after the media
 * type was checked (json-body.ts), so every error it raises means the body is not JSON.
 */
function bodyParserProblem(error: unknown): ProblemDetails | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { cause, statusCode } = error as { cause?: { package?: unknown }; statusCode?: unknown };
  if (cause?.package !== "@middy/http-json-body-parser" || statusCode !== 415) return undefined;
  return problem(400, "malformed-json", "Bad Request", "The request body is not valid JSON.");
}
