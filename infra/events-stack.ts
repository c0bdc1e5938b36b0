/**
 * The event feeds and the webhook routes (`/org/events`, `/platform/events`, `/org/webhooks…`,
 * `/platform/webhooks…`), and the archive routes that list and read exports, on the API of the API
 * stack, in a stack of their own: a CloudFormation stack holds at most 500 resources
 * (infra/functions.ts, inEventsStack). The routes are built exactly as the API stack builds its
 * own — the same authorizer, scopes, roles, log group and environment — and the bus and dispatcher
 * they start, the archive bucket and the export function, stay with the API stack (infra/events.ts,
 * infra/archives.ts).
 */
import { type StackContext, use } from "sst/constructs";
import { ApiStack } from "./api";
import { inEventsStack, routeDeployments } from "./functions";

export function EventsStack({ stack }: StackContext) {
  const { api, routeProps } = use(ApiStack);
  const deployments = routeDeployments.filter(inEventsStack);
  api.addRoutes(stack, Object.fromEntries(deployments.map((deployment) => [deployment.key, routeProps(deployment)])));
  return { routes: deployments.map((deployment) => deployment.key) };
}
