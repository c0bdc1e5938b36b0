import type { HttpEvent, HttpResult } from "@org-service/functions/gateway";
import type { Route } from "@org-service/functions/routes";
import type { Context } from "aws-lambda";

/** A route's function, as Lambda invokes it. */
export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

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
