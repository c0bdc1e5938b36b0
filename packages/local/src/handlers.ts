import { routeKey, routes, type Route } from "@org-service/functions/routes";
import type { HttpEvent, HttpResult } from "@org-service/functions/http/handler";
import type { Context } from "aws-lambda";

export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Route lookup by method and exact path, as API Gateway matches routes without path variables. */
const byKey = new Map<string, Route>(routes.map((route) => [routeKey(route), route]));

export function findRoute(method: string, path: string): Route | undefined {
  return byKey.get(routeKey({ method: method.toUpperCase() as Route["method"], path }));
}

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Each handler module is imported on its first request, like a cold start. */
export function loadHandler(route: Route): Promise<LambdaHandler> {
  let handler = loaded.get(route.handler);
  if (!handler) {
    handler = import(`@org-service/functions/${route.handler}`).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(route.handler, handler);
  }
  return handler;
}
