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

/** A call of the run that failed: what it measured, and its error's first line. */
export interface FailedCall {
  readonly what: string;
  readonly error: string;
}

/** Every call of this run that failed (an unexpected status, a request past its time limit, any error), in order. */
export const failedCalls: FailedCall[] = [];

/**
 * Runs `call`; true if it succeeded. One that fails does not end the run (a backend where requests
 * time out must still yield its figures, marked): it is recorded in `failedCalls` under `what`.
 */
export async function attempt(what: string, call: () => Promise<void>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    failedCalls.push({
      what,
      error: String((error as Error)?.message ?? error)
        .split("\n")[0]!
        .slice(0, 300),
    });
    return false;
  }
}

/**
 * Timed invocations after untimed warm-up ones. A call that fails is recorded (`attempt`), and a
 * timed one counts as a sample of +Infinity: every percentile it reaches, and every ratio and
 * target built on the samples (`failures`), shows it instead of a figure from the calls that
 * happened to succeed.
 */
export async function timeInvocations(
  what: string,
  count: number,
  warmup: number,
  call: (i: number) => Promise<void>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await attempt(`${what} (warm-up)`, () => call(-1 - i));
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const succeeded = await attempt(what, () => call(i));
    samples.push(succeeded ? performance.now() - started : Number.POSITIVE_INFINITY);
  }
  return samples;
}

/** How many of `samples` stand for calls that failed (`timeInvocations`). */
export const failures = (...samples: readonly (readonly number[])[]): number =>
  samples.reduce((sum, values) => sum + values.filter((value) => value === Number.POSITIVE_INFINITY).length, 0);
