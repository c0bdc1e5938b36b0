import { routeKey, routes, type Route } from "@org-service/functions/routes";

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
