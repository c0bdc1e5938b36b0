/** `sst dev` deploys the same stack with stub functions that forward invocations to the developer's machine (no code is built at synthesis). */
import { expect, it } from "vitest";
import { routeDeployments } from "../functions";
import { functionOf, resources } from "./template";
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

it("stays well under CloudFormation's 500 resources a stack may hold, with room for more routes in each", async () => {
  const { stackTemplates } = await synthesize("alice", { active: true, mode: "dev" });
  for (const [name, template] of Object.entries(stackTemplates)) {
    const count = Object.keys(resources(template)).length;
    const routes = Object.keys(resources(template, "AWS::ApiGatewayV2::Route")).length;
    const perRoute = (count - (name === "api" ? 40 : 0)) / routes;
    console.log(`sst dev ${name} stack: ${count} resources for ${routes} routes (~${perRoute.toFixed(1)} per route)`);
    // Room for at least twenty more routes at what each costs now.
    expect(count + 20 * Math.ceil(perRoute)).toBeLessThan(500);
  }
}, 120_000);
