/**
 * The identity routes — single sign-on (`/org/sso`, `/auth/sso/…`), verified domains and joining
 * by them (`/org/domains…`, `/org/join-requests…`, `/me/joinable-organizations…`) and the
 * organization's security policies (`/org/policies`) — on the API of the API stack, in a stack of
 * their own: a CloudFormation stack holds at most 500 resources (infra/functions.ts,
 * inIdentityStack). The routes are built exactly as the API stack builds its own: the same
 * authorizer, scopes, roles, log group and environment.
 */
import { type StackContext, use } from "sst/constructs";
import { ApiStack } from "./api";
import { inIdentityStack, routeDeployments } from "./functions";

export function IdentityStack({ stack }: StackContext) {
  const { api, routeProps } = use(ApiStack);
  const deployments = routeDeployments.filter(inIdentityStack);
  api.addRoutes(stack, Object.fromEntries(deployments.map((deployment) => [deployment.key, routeProps(deployment)])));
  return { routes: deployments.map((deployment) => deployment.key) };
}
