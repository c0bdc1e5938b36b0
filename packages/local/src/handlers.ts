import { routeKey, routes, type Route } from "@org-service/functions/routes";
import type { HttpEvent, HttpResult } from "@org-service/functions/gateway";
import type { Context } from "aws-lambda";

export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Route lookup by method and path, as API Gateway matches: an exact path first, then `{name}` path variables. */
const byKey = new Map<string, Route>(routes.map((route) => [routeKey(route), route]));
const templated = routes.filter((route) => route.path.includes("{"));

export function findRoute(method: string, path: string): Route | undefined {
  const upper = method.toUpperCase() as Route["method"];
  return (
    byKey.get(routeKey({ method: upper, path })) ??
    templated.find((route) => route.method === upper && pathParametersOf(route, path))
  );
}

/** The values of a route's `{name}` path variables (one path segment each), or undefined if the path does not match. */
export function pathParametersOf(route: Pick<Route, "path">, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const values = new RegExp(`^${pattern}$`).exec(path)?.slice(1);
  if (!values) return undefined;
  try {
    return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(values[index]!)]));
  } catch {
    return undefined; // malformed percent-encoding matches no route
  }
}

/** Where a route's handler module is imported from. */
export type HandlerModuleOf = (route: Route) => string;

/** The TypeScript sources: what `pnpm start` and the tests serve. */
export const sourceModuleOf: HandlerModuleOf = (route) => `@org-service/functions/handlers/${route.handler}`;

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Each handler module is imported on its first request, like a cold start. */
export function loadHandler(route: Route, moduleOf: HandlerModuleOf = sourceModuleOf): Promise<LambdaHandler> {
  const specifier = moduleOf(route);
  let handler = loaded.get(specifier);
  if (!handler) {
    handler = import(specifier).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(specifier, handler);
  }
  return handler;
}
