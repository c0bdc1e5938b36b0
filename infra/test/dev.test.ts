/** `sst dev` deploys the same stack with stub functions that forward invocations to the developer's machine (no code is built at synthesis). */
import { expect, it } from "vitest";
import { routeDeployments } from "../functions";
import type { Template } from "aws-cdk-lib/assertions";
import { functionOf, refId, resources } from "./template";
import { synthesize } from "./synth";

it("synthesizes for sst dev, with the same routes, issuer and secrets", async () => {
  const { template } = await synthesize("alice", { active: true, mode: "dev" });
  const [authorizer] = Object.values(resources(template, "AWS::ApiGatewayV2::Authorizer"));
  for (const deployment of routeDeployments) {
    const env = functionOf(template, deployment.key).Properties.Environment.Variables;
    expect(env.SST_FUNCTION_ID).toBeDefined(); // a live-lambda stub
    expect(env.JWT_ISSUER).toEqual(authorizer!.Properties.JwtConfiguration.Issuer);
    for (const name of deployment.secrets) expect(env[`SST_Secret_value_${name}`]).toBe("__FETCH_FROM_SSM__");
  }
}, 120_000);

/**
 * What a stack's routes cost: each route, its integration and its function, and what names that
 * function (API Gateway's permission to invoke it, `sst dev`'s invoke configuration). The rest of
 * the stack is no route's: the API, its stage and authorizer, the shared roles, the jobs, the
 * bus, the archive bucket.
 */
function routeResources(template: Template): number {
  const functions = new Set(
    Object.values(resources(template, "AWS::ApiGatewayV2::Route")).map(
      (route) => functionOf(template, route.Properties.RouteKey).id,
    ),
  );
  return Object.entries(resources(template)).filter(
    ([id, resource]) =>
      resource.Type === "AWS::ApiGatewayV2::Route" ||
      resource.Type === "AWS::ApiGatewayV2::Integration" ||
      functions.has(id) ||
      functions.has(refId(resource.Properties.FunctionName) ?? ""),
  ).length;
}

it("stays well under CloudFormation's 500 resources a stack may hold, with room for more routes in each", async () => {
  const { stackTemplates } = await synthesize("alice", { active: true, mode: "dev" });
  for (const [name, template] of Object.entries(stackTemplates)) {
    const count = Object.keys(resources(template)).length;
    const routes = Object.keys(resources(template, "AWS::ApiGatewayV2::Route")).length;
    const perRoute = routeResources(template) / routes;
    console.log(
      `sst dev ${name} stack: ${count} resources for ${routes} routes (${perRoute.toFixed(1)} per route, ${count - routeResources(template)} no route's)`,
    );
    // A route's function, its integration, the route, API Gateway's permission, the invoke configuration.
    expect(perRoute).toBe(5);
    // Room for at least twenty more routes at what each costs now.
    expect(count + 20 * Math.ceil(perRoute)).toBeLessThan(500);
  }
}, 120_000);
