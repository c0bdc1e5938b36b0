/**
 * The event feeds and the webhook routes (`/org/events`, `/platform/events`, `/org/webhooks…`,
 * `/platform/webhooks…`), on the API of the API stack, in a stack of their own: a CloudFormation
 * stack holds at most 500 resources (infra/functions.ts, isEventsRoute). The routes are built
 * exactly as the API stack builds its own — the same authorizer, scopes, roles, log group and
 * environment — and the bus and dispatcher they start stay with the API stack (infra/events.ts).
 */
import { type StackContext, use } from "sst/constructs";
import { ApiStack } from "./api";
import { isEventsRoute, routeDeployments } from "./functions";

export function EventsStack({ stack }: StackContext) {
  const { api, routeProps } = use(ApiStack);
  const deployments = routeDeployments.filter((deployment) => isEventsRoute(deployment.route));
  api.addRoutes(stack, Object.fromEntries(deployments.map((deployment) => [deployment.key, routeProps(deployment)])));
  return { routes: deployments.map((deployment) => deployment.key) };
}
