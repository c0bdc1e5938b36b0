import middy, { type MiddlewareObj } from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import httpSecurityHeaders from "@middy/http-security-headers";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { loadDeployedSecrets } from "../deployment/secrets";
import { startDispatcherOnAppend } from "../deployment/start-dispatcher";
import { startExportsElsewhere } from "../deployment/start-export";
import { bodyLimit } from "./body-limit";
import { validConfiguration } from "./configuration";
import { cors } from "./cors";
import { archiveOrJsonBody } from "./archive-body";
import { jsonBody } from "./json-body";
import { requestLogging } from "./logging";
import { problemErrors, problemMediaType } from "./problem-responses";

/**
 * The plumbing every endpoint shares, so a handler file holds only its own logic: body size limit
 * and parsing, errors answered as RFC 9457 problems with nothing internal in them, security
 * headers and CORS on every response, one log line per request.
 */

/** An HTTP API (payload v2) event after body parsing; `body` is whatever the JSON held. */
export type HttpEvent = Omit<APIGatewayProxyEventV2, "body"> & {
  body?: unknown;
  requestContext: APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
  };
};

export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface EndpointOptions {
  /**
   * `json`: a JSON body is required; `optional-json`: parsed when present (DELETE may name its
   * target in the query instead); `none`: the body is ignored; `archive-or-json`: JSON, or the
   * bytes of an `application/gzip` archive (archive-body.ts).
   */
  readonly body: "json" | "optional-json" | "none" | "archive-or-json";
  /**
   * For HTML pages (the dashboard, the API docs): Content-Security-Policy directives replacing the
   * strict defaults, which forbid every script and style. `undefined` drops a default directive.
   */
  readonly contentSecurityPolicy?: Readonly<Record<string, string | undefined>>;
  /** The largest body accepted, in bytes, read per request (64 KiB when absent): 413 past it. */
  readonly maxBodyBytes?: () => number;
}

// Deployed, appending events starts their delivery (deployment/start-dispatcher.ts), and an export
// is written by the export function (deployment/start-export.ts).
startDispatcherOnAppend();
startExportsElsewhere();

export function httpEndpoint(
  handle: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  options: EndpointOptions,
) {
  // Middy runs `before` in the order of `use` and `after`/`onError` in reverse. Logging comes
  // first so that it sees the final response; headers and CORS next, so that they are added to
  // every answer, problems included. On an error, before those: `problemErrors` turns it into the
  // HTTP error it is to render, `@middy/http-error-handler` renders it, `problemMediaType` marks
  // the response a problem (problem-responses.ts).
  const stack = middy<HttpEvent, HttpResult>()
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
    // No logger of its own: problemErrors has logged what operators need, once.
    .use(httpErrorHandler({ logger: false }))
    .use(problemErrors())
    .use(deployedSecrets())
    .use(validConfiguration())
    .use(bodyLimit(options.maxBodyBytes));
  if (options.body === "archive-or-json") stack.use(archiveOrJsonBody());
  else if (options.body !== "none") stack.use(jsonBody({ required: options.body === "json" }));
  return stack.handler(handle);
}

/** Before anything reads the configuration: a deployed function's secrets come from SSM, once per container. */
function deployedSecrets(): MiddlewareObj<HttpEvent, HttpResult> {
  return { before: () => loadDeployedSecrets() };
}
