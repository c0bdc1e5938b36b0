import { RECONCILE_SCHEDULE } from "../reconciler";
import { parseConfig } from "@org-service/core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkedFunctionEnvironment } from "../environment";
import { routeDeployments } from "../functions";
import { databaseEnvironmentFor, stageForBranch } from "../stage";
import { functionOf, refId, resources, type Resource } from "./template";
import { REGION, synthesize, type Synthesized } from "./synth";

/**
 * Every value the stack sets in a function's environment passes the very check the function runs
 * at init (core's parseConfig), on every kind of stage: production (core's database names), a
 * branch stage with the longest name a branch gives (its own database names), with CORS configured.
 */
const LONG_STAGE = stageForBranch("feature/a-very-long-branch-name-that-goes-on-and-on");
const CORS = "https://app.example.com,https://*.example.org";
const stages: Record<string, Synthesized> = {};

beforeAll(async () => {
  stages.production = await synthesize("production", { active: false });
  process.env.CORS_ALLOWED_ORIGINS = CORS;
  try {
    stages[LONG_STAGE] = await synthesize(LONG_STAGE, { active: false });
  } finally {
    delete process.env.CORS_ALLOWED_ORIGINS;
  }
}, 120_000);

/** The scheduled reconciler's function: the one an EventBridge rule targets. */
function reconcilerOf(template: Synthesized["template"]): Resource {
  const rule = Object.values(resources(template, "AWS::Events::Rule")).find(
    (r) => r.Properties.ScheduleExpression === RECONCILE_SCHEDULE,
  );
  const id = refId((rule!.Properties.Targets as { Arn: unknown }[])[0]!.Arn)!;
  return resources(template)[id]!;
}

/** A function's environment as Lambda will see it: the API's URL where the template references the API. */
function deployedEnvironment(fn: Resource): Record<string, string> {
  const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === "string") return [name, value];
      const getAtt = (value as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"];
      if (getAtt?.[1] === "ApiEndpoint") return [name, `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`];
      // A function's or a bus's name: the stage's resources are named when they are created.
      if ((value as { Ref?: string }).Ref !== undefined) return [name, "pr-7-org-service-api-resource"];
      throw new Error(`${name}: a value the test cannot stand in for: ${JSON.stringify(value)}`);
    }),
  );
}

describe("the environment the stack sets", () => {
  it.each(["production", LONG_STAGE])("%s: every function's passes the functions' own configuration check", (stage) => {
    const { template } = stages[stage]!;
    const functions = [...routeDeployments.map((d) => functionOf(template, d.key)), reconcilerOf(template)];
    for (const fn of functions) {
      const environment = deployedEnvironment(fn);
      expect(() => parseConfig(environment)).not.toThrow();
    }
    const login = deployedEnvironment(functionOf(template, "POST /admin/login"));
    expect(login).toMatchObject({ JWT_AUDIENCE: `org-service-${stage}` });
    if (stage === LONG_STAGE) {
      expect(login).toMatchObject({ CORS_ALLOWED_ORIGINS: CORS, ...databaseEnvironmentFor(stage) });
    }
  });

  it("a wrong deploy-time setting fails the synthesis, naming it", () => {
    expect(() => checkedFunctionEnvironment({ CORS_ALLOWED_ORIGINS: "https://app.example.com/" })).toThrow(
      'CORS_ALLOWED_ORIGINS="https://app.example.com/": "https://app.example.com/" is not an origin',
    );
  });
});
