import { randomUUID } from "node:crypto";
import type { HttpEvent } from "./endpoint";

/**
 * Builds the API Gateway HTTP API (payload format 2.0) event for a request, exactly as API Gateway
 * would hand it to a Lambda function. Used by the local server and by the handler tests, so both
 * exercise the handlers with what they receive in production.
 */
export interface HttpRequestDescription {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: string | Buffer;
  readonly routeKey?: string;
  readonly sourceIp?: string;
  /** Claims of a token the JWT authorizer accepted; absent on public routes. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Values of the route's `{name}` path variables. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly domainName?: string;
  readonly requestId?: string;
}

/** Media types API Gateway passes as text; anything else arrives base64-encoded. */
const TEXT_MEDIA_TYPE = /^(text\/|application\/(.+\+)?(json|xml|x-www-form-urlencoded|javascript))/i;

export function buildHttpApiEvent(request: HttpRequestDescription): HttpEvent {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = typeof value === "string" ? [value] : [...value];
    // API Gateway moves cookies out of the headers and joins repeated headers with commas.
    if (key === "cookie") cookies.push(...values.flatMap((v) => v.split(/;\s*/)).filter(Boolean));
    else headers[key] = values.join(",");
  }

  const rawQueryString = request.rawQueryString ?? "";
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(",");

  const { body, isBase64Encoded } = encodeBody(request.body, headers["content-type"]);
  const now = new Date();
  const requestId = request.requestId ?? randomUUID();
  const routeKey = request.routeKey ?? "$default";
  const domainName = request.domainName ?? headers.host ?? "localhost";

  return {
    version: "2.0",
    routeKey,
    rawPath: request.path,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(query.size > 0 && { queryStringParameters }),
    ...(request.pathParameters &&
      Object.keys(request.pathParameters).length > 0 && { pathParameters: { ...request.pathParameters } }),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: request.path,
        protocol: "HTTP/1.1",
        sourceIp: request.sourceIp ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(request.claims && { authorizer: { jwt: { claims: stringifyClaims(request.claims), scopes: null } } }),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded,
  };
}

function encodeBody(body: string | Buffer | undefined, contentType: string | undefined) {
  if (body === undefined || body.length === 0) return { body: undefined, isBase64Encoded: false };
  const asText = contentType === undefined || TEXT_MEDIA_TYPE.test(contentType);
  if (asText) return { body: body.toString(), isBase64Encoded: false };
  return { body: Buffer.from(body).toString("base64"), isBase64Encoded: true };
}

/** API Gateway hands claims over as strings: numbers stringified, arrays as `[a b]`. */
function stringifyClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      typeof value === "string" ? value : Array.isArray(value) ? `[${value.join(" ")}]` : JSON.stringify(value),
    ]),
  );
}
