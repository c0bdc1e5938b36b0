/**
 * The service in this process: handlers invoked with the payload v2 events API Gateway sends, and
 * the database switched between data sets by environment, as a container reads it.
 */
import { closeDatabase, resetConfig } from "../../packages/core/src/index";
import {
  buildHttpApiEvent,
  type HttpEvent,
  type HttpRequestDescription,
  type HttpResult,
  lambdaContext,
} from "../../packages/functions/src/gateway";

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

export interface Handlers {
  readonly get: Handler;
  readonly login: Handler;
  readonly create: Handler;
}

export async function loadHandlers(): Promise<Handlers> {
  const [get, login, create] = await Promise.all([
    import("../../packages/functions/src/handlers/get-organization"),
    import("../../packages/functions/src/handlers/login"),
    import("../../packages/functions/src/handlers/create-organization"),
  ]);
  return { get: get.handler as Handler, login: login.handler as Handler, create: create.handler as Handler };
}

export interface DataSet {
  readonly label: string;
  readonly masterDb: string;
  readonly tenantDb: string;
}

/** Point the in-process service at a data set and bcrypt cost: fresh configuration, fresh client. */
export async function useDataSet(uri: string, dataSet: DataSet, bcryptCost: number): Promise<void> {
  await closeDatabase();
  process.env.MONGODB_URI = uri;
  process.env.MONGODB_MASTER_DB = dataSet.masterDb;
  process.env.MONGODB_TENANT_DB = dataSet.tenantDb;
  process.env.BCRYPT_COST = String(bcryptCost);
  resetConfig();
}

/** Only the cost changes: the cached client stays (a container keeps its connection). */
export function useBcryptCost(bcryptCost: number): void {
  process.env.BCRYPT_COST = String(bcryptCost);
  resetConfig();
}

export interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function invoke(
  handler: Handler,
  request: HttpRequestDescription & { json?: unknown },
): Promise<Response> {
  const { json, ...rest } = request;
  const event = buildHttpApiEvent({
    ...rest,
    ...(json !== undefined && { body: JSON.stringify(json) }),
    headers: {
      "user-agent": "org-service-bench",
      ...(json !== undefined && { "content-type": "application/json" }),
      ...rest.headers,
    },
  });
  const result = await handler(event, lambdaContext("bench", event.requestContext.requestId));
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(result.body ?? "{}") as Record<string, unknown>;
  } catch {
    // Not JSON: reported through the status.
  }
  return { status: result.statusCode ?? 200, body };
}

export const getRequest = (name: string): HttpRequestDescription => ({
  method: "GET",
  path: "/org/get",
  routeKey: "GET /org/get",
  rawQueryString: new URLSearchParams({ organization_name: name }).toString(),
});

export const createRequest = (name: string, email: string, password: string) => ({
  method: "POST",
  path: "/org/create",
  routeKey: "POST /org/create",
  json: { organization_name: name, email, password },
});

export const loginRequest = (email: string, password: string) => ({
  method: "POST",
  path: "/admin/login",
  routeKey: "POST /admin/login",
  json: { email, password },
});

export function expectStatus(response: Response, status: number, what: string): void {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
    );
  }
}

/** Timed invocations after untimed warm-up ones; each call must succeed. */
export async function timeInvocations(
  count: number,
  warmup: number,
  call: (i: number) => Promise<void>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call(i);
    samples.push(performance.now() - started);
  }
  return samples;
}
