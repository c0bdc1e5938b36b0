import middy, { type MiddlewareObj } from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { loadDeployedSecrets } from "../deployment/secrets";
import { PROBLEM_CONTENT_TYPE, toProblemResponse } from "./problem";

/**
 * The plumbing every endpoint shares, so a handler file holds only its own logic:
 * body parsing, errors rendered as RFC 9457 problems, and nothing internal in a response.
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
}

export function httpHandler(
  handle: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  options: HandlerOptions,
) {
  // onError runs in reverse order of `use`: translate first, then render, then set the media type.
  const stack = middy<HttpEvent, HttpResult>()
    .use(problemMediaType())
    .use(httpErrorHandler({ logger: false }))
    .use(problemTranslation())
    .use(deployedSecrets());
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
      if (unexpected) {
        // Logged in full for operators (CloudWatch); the client gets only the generic problem.
        console.error(JSON.stringify({ level: "error", requestId: request.context.awsRequestId, error: describe(request.error) }));
      }
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

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  return { name: error.name, message: error.message, stack: error.stack };
}
