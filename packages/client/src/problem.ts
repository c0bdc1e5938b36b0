import type { components } from "./schema.js";

/**
 * An RFC 9457 problem document as the service sends it, with whatever extension members the route
 * adds (`errors`, `organizations`, `min_password_length`...).
 */
export type Problem = components["schemas"]["Problem"] & { readonly [extension: string]: unknown };

/** RFC 6749 §5.2: what POST /oauth/token answers instead of a problem document. */
export type OAuthErrorObject = components["schemas"]["OAuthError"];

/**
 * Every refusal the API can answer, as one error class: a problem document, the token endpoint's
 * OAuth error object, API Gateway's own `{message}` (sent before any function runs: throttling, a
 * token the authorizer refuses) or a body that is not JSON at all (a proxy's error page). Callers
 * branch on `status` and `type` without knowing which of them answered.
 */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  readonly status: number;
  /** The problem's type URN; `about:blank` (RFC 9457 §4.2.1) when the answer was not a problem document. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** The whole problem; synthesized from the other kinds of answer, so it is always there. */
  readonly problem: Problem;
  /** RFC 6749 §5.2 `error` (`invalid_client`, `invalid_scope`...), from POST /oauth/token only. */
  readonly error: OAuthErrorObject["error"] | undefined;
  readonly error_description: string | undefined;
  /** Retry-After in seconds, which the service sends with 429 and 503. */
  readonly retryAfterSeconds: number | undefined;
  /** The answer's body as it was parsed (JSON), or its text. */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Headers = new Headers(), statusText = "") {
    const problem = asProblem(status, body, statusText);
    super(problem.detail === problem.title ? problem.title : `${problem.title}: ${problem.detail}`);
    this.status = status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.problem = problem;
    this.body = body;
    const oauth = isOAuthError(body) ? body : undefined;
    this.error = oauth?.error;
    this.error_description = oauth?.error_description;
    const retryAfter = Number.parseInt(headers.get("retry-after") ?? "", 10);
    this.retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined;
  }

  /** Reads a refused answer. The body is read from a clone, so the response stays readable. */
  static async fromResponse(response: Response): Promise<ProblemError> {
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text is kept as the body and becomes the detail.
    }
    return new ProblemError(response.status, body, response.headers, response.statusText);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function isOAuthError(body: unknown): body is OAuthErrorObject {
  return isRecord(body) && typeof body.error === "string" && !("type" in body);
}

function asProblem(status: number, body: unknown, statusText: string): Problem {
  if (isRecord(body) && typeof body.type === "string" && typeof body.title === "string") {
    return { ...body, status, detail: typeof body.detail === "string" ? body.detail : body.title } as Problem;
  }
  const title = statusText || `HTTP ${status}`;
  const detail = isOAuthError(body)
    ? body.error_description || body.error
    : isRecord(body) && typeof body.message === "string"
      ? body.message
      : typeof body === "string" && body
        ? body.slice(0, 500)
        : title;
  // The body's own members are kept (an OAuth error's `error`, the gateway's `message`).
  return {
    ...(isRecord(body) ? body : {}),
    type: "about:blank",
    title: isOAuthError(body) ? body.error : title,
    status,
    detail,
  } as Problem;
}
