import middy, { type MiddlewareObj } from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import httpSecurityHeaders from "@middy/http-security-headers";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { loadDeployedSecrets } from "../deployment/secrets";
import { bodyLimit } from "./body-limit";
import { validConfiguration } from "./configuration";
import { cors } from "./cors";
import { logUnexpectedError, requestLogging } from "./logging";
import { PROBLEM_CONTENT_TYPE, toProblemResponse } from "./problem";

/**
 * The plumbing every endpoint shares, so a handler file holds only its own logic:
 * body size limit and parsing, errors rendered as RFC 9457 problems with nothing internal in
 * them, security headers and CORS on every response.
 */

/** An HTTP API (payload v2) event after body parsing; `body` is whatever the JSON held. */
export type HttpEvent = Omit<APIGatewayProxyEventV2, "body"> & {
  body?: unknown;
  requestContext: APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
  };
};

export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface HandlerOptions {
  /**
   * `json`: a JSON body is required; `optional-json`: parsed when present (DELETE may name its
   * target in the query instead); `none`: the body is ignored.
   */
  readonly body: "json" | "optional-json" | "none";
  /**
   * For HTML pages (the dashboard, the API docs): Content-Security-Policy directives replacing the
   * strict defaults, which forbid every script and style. `undefined` drops a default directive.
   */
  readonly contentSecurityPolicy?: Readonly<Record<string, string | undefined>>;
}

export function httpHandler(
  handle: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  options: HandlerOptions,
) {
  // `after` and `onError` run in reverse order of `use`: translate the error first, then render
  // it, then set the media type; headers for every response come last.
  const stack = middy<HttpEvent, HttpResult>()
    // First, so that its `after`/`onError` run last and log the final status.
    .use(requestLogging())
    .use(
      httpSecurityHeaders(
        options.contentSecurityPolicy && {
          contentSecurityPolicy: options.contentSecurityPolicy as Record<string, string>,
        },
      ),
    )
    .use(cors())
    .use(problemMediaType())
    .use(httpErrorHandler({ logger: false }))
    .use(problemTranslation())
    .use(deployedSecrets())
    .use(validConfiguration())
    .use(bodyLimit());
  if (options.body === "json") stack.use(jsonBodyParser());
  if (options.body === "optional-json") stack.use(whenBodyPresent(jsonBodyParser()));
  return stack.handler(handle);
}

/** The parser's types insist the body stays a string; after it runs, it is the parsed JSON. */
const jsonBodyParser = () => httpJsonBodyParser() as unknown as MiddlewareObj<HttpEvent, HttpResult>;

/** Before anything reads the configuration: a deployed function's secrets come from SSM, once per container. */
function deployedSecrets(): MiddlewareObj<HttpEvent, HttpResult> {
  return { before: () => loadDeployedSecrets() };
}

function whenBodyPresent(parser: MiddlewareObj<HttpEvent, HttpResult>): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      const { body } = request.event;
      if (body === undefined || body === null || body === "") return;
      await parser.before?.(request);
    },
  };
}

/** Turn any error into an exposed http error whose message is the problem document. */
function problemTranslation(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { problem, headers, unexpected } = toProblemResponse(request.error);
      // Logged with its stack for operators (CloudWatch); the client gets only the generic problem.
      if (unexpected) await logUnexpectedError(request.error);
      request.error = Object.assign(new Error(JSON.stringify(problem)), {
        statusCode: problem.status,
        expose: true,
        headers,
      });
    },
  };
}

function problemMediaType(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const headers = request.response?.headers;
      if (!headers) return;
      delete headers["Content-Type"];
      headers["content-type"] = PROBLEM_CONTENT_TYPE;
    },
  };
}
