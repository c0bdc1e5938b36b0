import { buildHttpApiEvent, type HttpRequestDescription } from "../../src/http/api-gateway-event";
import type { HttpEvent, HttpResult } from "../../src/http/endpoint";
import { lambdaContext } from "../../src/http/lambda-context";

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

export interface Invocation {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** Invoke a handler with the event API Gateway would send for this request. */
export async function invoke(
  handler: Handler,
  request: Omit<HttpRequestDescription, "body"> & { json?: unknown; body?: string; timeoutMs?: number },
): Promise<Invocation> {
  const { json, timeoutMs, ...rest } = request;
  const event = buildHttpApiEvent({
    ...rest,
    ...(json !== undefined && { body: JSON.stringify(json) }),
    headers: { ...(json !== undefined && { "content-type": "application/json" }), ...rest.headers },
  });
  const result = await handler(event, lambdaContext("test", event.requestContext.requestId, timeoutMs));
  const text = result.body ?? "";
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the assertions on `text` tell what came back.
  }
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    text,
    json: parsed,
  };
}
