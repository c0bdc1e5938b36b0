import { beforeAll, describe, expect, it } from "vitest";
import { routes } from "@org-service/functions/routes";
import { audienceFor, JWT_AUTHORIZER } from "../api";
import { DEFAULT_THROTTLE, routeDeployments } from "../functions";
import { removalPolicyFor } from "../stage";
import { functionOf, refId, resources, routeOf, statementsOf, type Resource } from "./template";
import { ACCOUNT, REGION, synthesize, type Synthesized } from "./synth";

const SECRET_ENV_PREFIX = "SST_Secret_value_";
const stages: Record<string, Synthesized> = {};

beforeAll(async () => {
  // Sequential: SST holds one project and one app per process.
  for (const stage of ["pr-42", "production"]) stages[stage] = await synthesize(stage, { active: false });
}, 120_000);

const pr = () => stages["pr-42"]!;

function authorizer(template: Synthesized["template"]): Resource & { id: string } {
  const all = Object.entries(resources(template, "AWS::ApiGatewayV2::Authorizer"));
  expect(all).toHaveLength(1);
  const [id, resource] = all[0]!;
  return { id, ...resource };
}

describe("routes", () => {
  it("has exactly one API Gateway route per entry of the route table", () => {
    const keys = Object.values(resources(pr().template, "AWS::ApiGatewayV2::Route")).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(routeDeployments.map((d) => d.key).sort());
    expect(keys).toHaveLength(routes.length);
  });

  it.each(routeDeployments.map((d) => [d.key, d] as const))(
    "%s: authorization and its own function",
    (key, deployment) => {
      const { template } = pr();
      const route = routeOf(template, key);
      if (deployment.route.auth === "jwt") {
        expect(route.Properties.AuthorizationType).toBe("JWT");
        expect(refId(route.Properties.AuthorizerId)).toBe(authorizer(template).id);
        // API Gateway itself refuses a token without the route's scope (core's permission table).
        expect(deployment.route.scope).toBeDefined();
        expect(route.Properties.AuthorizationScopes).toEqual([deployment.route.scope]);
      } else {
        expect(route.Properties.AuthorizationType).toBe("NONE");
        expect(route.Properties.AuthorizerId).toBeUndefined();
        expect(route.Properties.AuthorizationScopes).toBeUndefined();
      }
      const fn = functionOf(template, key);
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.Runtime).toBe("nodejs22.x");
      expect(fn.Properties.MemorySize).toBe(deployment.memorySize);
      expect(fn.Properties.Timeout).toBe(deployment.timeout);
    },
  );

  it("gives every route a function of its own", () => {
    const ids = routeDeployments.map((d) => functionOf(pr().template, d.key).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("JWT authorizer", () => {
  it("reads the bearer token and trusts the API's own endpoint as issuer, for this app and stage only", () => {
    const { template } = pr();
    const { Properties } = authorizer(template);
    expect(Properties.Name).toBe(JWT_AUTHORIZER);
    expect(Properties.AuthorizerType).toBe("JWT");
    expect(Properties.IdentitySource).toEqual(["$request.header.Authorization"]);
    const api = Object.keys(resources(template, "AWS::ApiGatewayV2::Api"));
    expect(Properties.JwtConfiguration.Issuer).toEqual({ "Fn::GetAtt": [api[0], "ApiEndpoint"] });
    expect(Properties.JwtConfiguration.Audience).toEqual([audienceFor({ name: "org-service", stage: "pr-42" })]);
  });

  it("holds the very issuer and audience every function signs or describes tokens with", () => {
    const { template } = pr();
    const { JwtConfiguration } = authorizer(template).Properties;
    for (const deployment of routeDeployments) {
      const env = functionOf(template, deployment.key).Properties.Environment.Variables;
      expect(env.JWT_ISSUER).toEqual(JwtConfiguration.Issuer);
      expect([env.JWT_AUDIENCE]).toEqual(JwtConfiguration.Audience);
    }
  });

  it("differs per stage", () => {
    const audiences = Object.values(stages).map((s) => authorizer(s.template).Properties.JwtConfiguration.Audience[0]);
    expect(new Set(audiences).size).toBe(audiences.length);
  });
});

describe("secrets", () => {
  it.each(routeDeployments.map((d) => [d.key, d] as const))(
    "%s: bound exactly as the route needs",
    (key, deployment) => {
      const { template } = pr();
      const fn = functionOf(template, key);
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      const bound = Object.keys(env)
        .filter((name) => name.startsWith(SECRET_ENV_PREFIX))
        .map((name) => name.slice(SECRET_ENV_PREFIX.length));
      expect(bound.sort()).toEqual([...deployment.secrets].sort());
      // No secret value ever lands in the function configuration.
      for (const name of deployment.secrets) expect(env[name]).toBeUndefined();

      const readable = statementsOf(template, fn)
        .filter((s) => [s.Action].flat().includes("ssm:GetParameters"))
        .flatMap((s) => [s.Resource].flat())
        .map((r) => JSON.stringify(r))
        .map((r) => /\/Secret\/([A-Z_]+)\/value/.exec(r)?.[1]);
      expect(new Set(readable)).toEqual(new Set(deployment.secrets));
      const paths = statementsOf(template, fn)
        .filter((s) => [s.Action].flat().includes("ssm:GetParameters"))
        .flatMap((s) => [s.Resource].flat())
        .map((r) => JSON.stringify(r));
      for (const name of deployment.secrets) {
        expect(
          paths.some((p) =>
            p.includes(`:ssm:${REGION}:${ACCOUNT}:parameter/sst/org-service/pr-42/Secret/${name}/value`),
          ),
        ).toBe(true);
      }
    },
  );
});

describe("secrets, spelled out", () => {
  const secretsOf = (handler: string) => {
    const deployment = routeDeployments.find((d) => d.route.handler === handler)!;
    const env = functionOf(pr().template, deployment.key).Properties.Environment.Variables as Record<string, unknown>;
    return Object.keys(env)
      .filter((name) => name.startsWith(SECRET_ENV_PREFIX))
      .sort();
  };
  it("signing functions get both keys and the database, the rest only what they use", () => {
    expect(secretsOf("login")).toEqual([
      "SST_Secret_value_JWT_PREVIOUS_KEY",
      "SST_Secret_value_JWT_PRIVATE_KEY",
      "SST_Secret_value_MONGODB_URI",
      "SST_Secret_value_TENANT_CELLS",
    ]);
    expect(secretsOf("jwks")).toEqual(["SST_Secret_value_JWT_PREVIOUS_KEY", "SST_Secret_value_JWT_PRIVATE_KEY"]);
    // Protected functions verify the bearer token again themselves: database and keys.
    expect(secretsOf("update-organization")).toEqual([
      "SST_Secret_value_JWT_PREVIOUS_KEY",
      "SST_Secret_value_JWT_PRIVATE_KEY",
      "SST_Secret_value_MONGODB_URI",
      "SST_Secret_value_TENANT_CELLS",
    ]);
    // Create verifies an optional bearer token (a signed-in user's second organization).
    expect(secretsOf("create-organization")).toEqual([
      "SST_Secret_value_JWT_PREVIOUS_KEY",
      "SST_Secret_value_JWT_PRIVATE_KEY",
      "SST_Secret_value_MONGODB_URI",
      "SST_Secret_value_TENANT_CELLS",
    ]);
    expect(secretsOf("health")).toEqual(["SST_Secret_value_MONGODB_URI", "SST_Secret_value_TENANT_CELLS"]);
    expect(secretsOf("openid-configuration")).toEqual([]);
  });
});

describe("throttling", () => {
  it("limits every route by default and login tighter", () => {
    const stages_ = Object.values(resources(pr().template, "AWS::ApiGatewayV2::Stage"));
    expect(stages_).toHaveLength(1);
    const stage = stages_[0]!;
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingBurstLimit: DEFAULT_THROTTLE.burst,
      ThrottlingRateLimit: DEFAULT_THROTTLE.rate,
    });
    const login = routeDeployments.find((d) => d.route.handler === "login")!;
    const loginSettings = stage.Properties.RouteSettings[login.key];
    expect(loginSettings.ThrottlingRateLimit).toBeLessThan(DEFAULT_THROTTLE.rate);
    expect(loginSettings.ThrottlingBurstLimit).toBeLessThan(DEFAULT_THROTTLE.burst);
    for (const [key, settings] of Object.entries(stage.Properties.RouteSettings as Record<string, unknown>)) {
      const deployment = routeDeployments.find((d) => d.key === key);
      expect(deployment, `route settings for unknown route ${key}`).toBeDefined();
      expect(settings).toEqual({
        ThrottlingBurstLimit: deployment!.throttle.burst,
        ThrottlingRateLimit: deployment!.throttle.rate,
      });
    }
  });

  it("creates the stage after the routes it configures (those of its stack; the events stack's have none of their own)", () => {
    const template = pr().stackTemplates.api.toJSON();
    const [, stage] = Object.entries(template.Resources as Record<string, { Type: string; DependsOn?: string[] }>).find(
      ([, r]) => r.Type === "AWS::ApiGatewayV2::Stage",
    )!;
    for (const routeId of Object.keys(resources(pr().stackTemplates.api, "AWS::ApiGatewayV2::Route"))) {
      expect(stage.DependsOn).toContain(routeId);
    }
  });
});

describe("per stage", () => {
  it.each([
    ["pr-42", 7],
    ["production", 90],
  ])("%s: function logs are kept %i days", (stage, days) => {
    const { template } = stages[stage]!;
    // Every route's function writes to the API's one log group, kept that long.
    const groupIds = new Set(
      routeDeployments.map((deployment) =>
        refId(functionOf(template, deployment.key).Properties.LoggingConfig.LogGroup),
      ),
    );
    expect(groupIds.size).toBe(1);
    const [groupId] = [...groupIds];
    expect(resources(template, "AWS::Logs::LogGroup")[groupId!]!.Properties.RetentionInDays).toBe(days);
    // The scheduled reconciler, the tenant mover, the event dispatcher and the export function keep
    // their own, with the same retention.
    const retention = Object.values(resources(template, "Custom::LogRetention"));
    expect(retention).toHaveLength(4);
    for (const r of retention) expect(r.Properties.RetentionInDays).toBe(days);
  });

  it.each([
    ["pr-42", "Delete"],
    ["production", "Retain"],
  ])("%s: every resource has removal policy %s", (stage, policy) => {
    expect(removalPolicyFor(stage)).toBe(policy.toLowerCase() === "delete" ? "destroy" : "retain");
    for (const [id, r] of Object.entries(resources(stages[stage]!.template))) {
      expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy });
      expect({ id, policy: r.UpdateReplacePolicy }).toEqual({ id, policy });
    }
  });

  it("gives non-production stages databases of their own", () => {
    for (const [stage, { template }] of Object.entries(stages)) {
      for (const deployment of routeDeployments) {
        const env = functionOf(template, deployment.key).Properties.Environment.Variables;
        if (stage === "production") {
          expect(env.MONGODB_MASTER_DB).toBeUndefined(); // core's defaults
          expect(env.MONGODB_TENANT_DB).toBeUndefined();
        } else {
          expect(env.MONGODB_MASTER_DB).toBe(`${stage}_master`);
          expect(env.MONGODB_TENANT_DB).toBe(`${stage}_tenants`);
        }
      }
    }
  });

  it("names the stack and the API after the stage", () => {
    for (const [stage, { stack, template }] of Object.entries(stages)) {
      expect(stack.stackName).toBe(`${stage}-org-service-api`);
      const [api] = Object.values(resources(template, "AWS::ApiGatewayV2::Api"));
      expect(api!.Properties.Name).toBe(`${stage}-org-service-Api`);
    }
  });
});

describe("mail", () => {
  const actionsOf = (handler: string) => {
    const deployment = routeDeployments.find((d) => d.route.handler === handler)!;
    const { template } = pr();
    return statementsOf(template, functionOf(template, deployment.key)).flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    );
  };

  it("only the functions that send mail (their route needs `mail`) may send through SES", () => {
    const senders = routeDeployments.filter((d) => (d.route.needs as readonly string[]).includes("mail"));
    expect(senders.map((d) => d.route.handler)).toEqual(
      expect.arrayContaining(["invite-member", "request-password-reset", "create-organization"]),
    );
    for (const deployment of routeDeployments) {
      const actions = actionsOf(deployment.route.handler);
      if (senders.includes(deployment)) expect(actions, deployment.key).toContain("ses:SendEmail");
      else expect(actions, deployment.key).not.toContain("ses:SendEmail");
    }
  });
});
