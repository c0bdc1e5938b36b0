import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  config,
  exportsInProcessSettled,
  LOCAL_DOWNLOAD_PATH,
  removeTemporaryArchives,
  resetConfig,
} from "@org-service/core";
import { serveArchiveDownload } from "./archive-downloads";
import { ALLOWED_HEADERS, isAllowedOrigin } from "@org-service/functions/deployment";
import {
  buildHttpApiEvent,
  type HttpResult,
  lambdaContext,
  logUnexpectedError,
  PROBLEM_CONTENT_TYPE,
  toProblemResponse,
} from "@org-service/functions/gateway";
import { routes, settingsOf } from "@org-service/functions/routes";
import { startEventDispatcher } from "./event-dispatcher";
import { type HandlerModuleOf, loadHandler, sourceModuleOf } from "./handler-modules";
import { findRoute, pathParametersOf } from "./route-matching";
import { jwtAuthorizer, type JwtAuthorizer } from "./jwt-authorizer";

/**
 * Serves every route of the route table over HTTP by doing what API Gateway does: match the
 * route, run the JWT authorizer on protected ones, build the payload v2 event, invoke the very
 * handler Lambda runs, and write its result back.
 */
export interface LocalServerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /**
   * Where each route's handler is imported from: the TypeScript sources unless given. The bundle
   * tests serve the deployed bundles through it (file URLs of SST's build output).
   */
  readonly handlerModule?: HandlerModuleOf;
  /** Deliver events (webhooks, in the process) as they are appended; on by default. */
  readonly dispatchEvents?: boolean;
}

export interface LocalServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** API Gateway's own limit on a request payload. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  let authorize: JwtAuthorizer | undefined;
  // Built on first use, from the very issuer and audience the handlers sign with.
  const authorizer = () => (authorize ??= jwtAuthorizer(config().jwt));
  const server = createServer((request, response) => {
    // Whatever fails while serving a request is that request's failure, never the process's.
    handle(request, response, authorizer, options.handlerModule ?? sourceModuleOf).catch((error: unknown) =>
      answerFailure(response, error),
    );
  });
  // Keep-alive sockets would otherwise hold `close()` open until they time out.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  // This server is the token issuer, as the API's own URL is when deployed (unless configured).
  process.env.JWT_ISSUER ??= url;
  resetConfig();
  const dispatcher = options.dispatchEvents === false ? undefined : startEventDispatcher();
  return {
    url,
    server,
    close: async () => {
      await dispatcher?.stop();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      // A run without EXPORTS_DIR keeps its archives in a directory of its own, gone with it (as its
      // database is), once the exports it is writing have ended.
      await exportsInProcessSettled();
      await removeTemporaryArchives();
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  authorizer: () => JwtAuthorizer,
  handlerModule: HandlerModuleOf,
) {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "OPTIONS") return answerPreflight(request, response);
  if (url.pathname === LOCAL_DOWNLOAD_PATH) return serveArchiveDownload(request, response, url);
  const route = findRoute(request.method ?? "GET", url.pathname);
  if (!route) return writeGatewayMessage(response, 404, "Not Found");

  const body = await readBody(request);
  if (body === undefined) return writeGatewayMessage(response, 413, "Request Entity Too Large");

  let claims: Record<string, unknown> | undefined;
  if (route.auth === "jwt") {
    claims = await authorizer()(request.headers.authorization);
    if (!claims) return writeGatewayMessage(response, 401, "Unauthorized");
    // As API Gateway does with a route's authorization scopes: the token's `scope` must hold it.
    if (!hasScope(claims, route.scope)) return writeGatewayMessage(response, 403, "Forbidden");
  }

  const requestId = randomUUID();
  const event = buildHttpApiEvent({
    method: route.method,
    path: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: request.headers,
    body,
    routeKey: `${route.method} ${route.path}`,
    pathParameters: pathParametersOf(route, url.pathname),
    sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
    requestId,
    ...(claims && { claims }),
  });
  const handler = await loadHandler(route, handlerModule);
  // The route's own time limit, as its function is deployed with. Invocations run at once here, not
  // one per container as on Lambda: the context says so, and the logger keeps no shared state for them.
  const context = lambdaContext(route.handler, requestId, settingsOf(route).timeoutSeconds * 1000, {
    concurrent: true,
  });
  writeResult(response, await handler(event, context), requestId);
}

/**
 * A failure outside the handler's own error handling (the authorizer's configuration, a handler
 * module that fails to load or a handler that throws): answered and logged as a Lambda invocation
 * answers and logs an unexpected error — a problem with a generic detail for the client, the error
 * for the operator (scrubbed) — and the server goes on serving.
 */
async function answerFailure(response: ServerResponse, error: unknown): Promise<void> {
  try {
    const { problem, headers, unexpected } = toProblemResponse(error);
    if (unexpected) await logUnexpectedError(error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response
      .writeHead(problem.status, { ...headers, "content-type": PROBLEM_CONTENT_TYPE })
      .end(JSON.stringify(problem));
  } catch (failure) {
    console.error(failure);
    response.destroy();
  }
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/**
 * The function's answer as API Gateway sends it, with the request's id in `apigw-requestid` as API
 * Gateway's HTTP APIs add it: the `request_id` of every log line written for the request.
 */
function writeResult(response: ServerResponse, result: HttpResult, requestId: string): void {
  // Like API Gateway, drop headers a middleware unset (undefined) rather than send them.
  const headers: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(result.headers ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );
  if (result.cookies?.length) headers["set-cookie"] = result.cookies;
  headers["apigw-requestid"] = requestId;
  const body =
    result.body === undefined ? "" : result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
  response.writeHead(result.statusCode ?? 200, headers).end(body);
}

/** CORS preflight, answered by the gateway as API Gateway's CORS configuration does; no function runs. */
function answerPreflight(request: IncomingMessage, response: ServerResponse): void {
  const origin = request.headers.origin;
  if (!isAllowedOrigin(origin)) {
    writeGatewayMessage(response, 404, "Not Found");
    return;
  }
  response
    .writeHead(204, {
      "access-control-allow-origin": origin!,
      "access-control-allow-methods": [...new Set(routes.map((route) => route.method))].join(","),
      "access-control-allow-headers": ALLOWED_HEADERS.join(","),
      "access-control-max-age": "600",
      vary: "Origin",
    })
    .end();
}

/** API Gateway's own answers (no route, authorizer refusal) are `{"message": …}`, not problems. */
function writeGatewayMessage(response: ServerResponse, status: number, message: string): void {
  response
    .writeHead(status, {
      "content-type": "application/json",
      ...(status === 401 && { "www-authenticate": "Bearer" }),
    })
    .end(JSON.stringify({ message }));
}

/** Whether the token's space-separated `scope` claim holds the route's required scope (routes without one: yes). */
function hasScope(claims: Readonly<Record<string, unknown>>, required: string | undefined): boolean {
  if (required === undefined) return true;
  return typeof claims.scope === "string" && claims.scope.split(" ").includes(required);
}
