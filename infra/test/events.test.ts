import { beforeAll, describe, expect, it } from "vitest";
import { DISPATCHER_TIMEOUT_SECONDS } from "../events";
import { inEventsStack, isEventsRoute, routeDeployments } from "../functions";
import { functionOf, refId, resources, statementsOf, type Resource } from "./template";
import { logicalIdOf, synthesize, type Synthesized } from "./synth";

/**
 * Events' delivery as deployed: the stage's bus, the dispatcher (the only function that may put
 * events on it, on it alone), its schedule, the right of every other function to start it and to
 * nothing else of Lambda's, and the event routes in a stack of their own on the same API.
 */
let synthesized: Synthesized;
beforeAll(async () => {
  synthesized = await synthesize("pr-9", { active: false });
}, 120_000);

const actionsOf = (fn: Resource) =>
  statementsOf(synthesized.template, fn).flatMap((statement) => [statement.Action].flat().map(String));

/** The export function (infra/archives.ts), which the archive routes start. */
const exporterId = () => logicalIdOf(synthesized.stack, "Exporter");

function dispatcher(): Resource & { id: string } {
  const found = Object.entries(resources(synthesized.template, "AWS::Lambda::Function")).find(
    ([, fn]) => fn.Properties.Environment?.Variables?.EVENT_BUS_NAME !== undefined,
  );
  expect(found).toBeDefined();
  return { id: found![0], ...found![1] };
}

describe("event delivery", () => {
  it("has a bus of the stage's, named in the stack's outputs", () => {
    const buses = Object.entries(resources(synthesized.template, "AWS::Events::EventBus"));
    expect(buses).toHaveLength(1);
    expect(buses[0]![1].Properties.Name).toBe("pr-9-org-service-api-events");
    const outputs = synthesized.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(refId(outputs.EventBusName!.Value)).toBe(buses[0]![0]);
  });

  it("lets the dispatcher alone put events, on that bus alone", () => {
    const fn = dispatcher();
    expect(fn.Properties.Timeout).toBe(DISPATCHER_TIMEOUT_SECONDS);
    const puts = statementsOf(synthesized.template, fn).filter((s) => [s.Action].flat().includes("events:PutEvents"));
    expect(puts).toHaveLength(1);
    const [busId] = Object.keys(resources(synthesized.template, "AWS::Events::EventBus"));
    expect(JSON.stringify(puts[0]!.Resource)).toContain(busId!);
    for (const [id, other] of Object.entries(resources(synthesized.template, "AWS::Lambda::Function"))) {
      if (id !== fn.id)
        expect({ id, puts: actionsOf(other).includes("events:PutEvents") }).toEqual({ id, puts: false });
    }
  });

  it("runs the dispatcher every minute", () => {
    const fn = dispatcher();
    const rule = Object.values(resources(synthesized.template, "AWS::Events::Rule")).find((r) =>
      (r.Properties.Targets as { Arn: unknown }[]).some((target) => refId(target.Arn) === fn.id),
    );
    expect(rule?.Properties.ScheduleExpression).toBe("rate(1 minute)");
  });

  it("lets every route's function start the dispatcher, and nothing else of Lambda's (the archive routes' also the export function)", () => {
    const fn = dispatcher();
    for (const deployment of routeDeployments) {
      const route = functionOf(synthesized.template, deployment.key);
      expect(route.Properties.Environment.Variables.EVENTS_DISPATCHER_FUNCTION).toEqual({ Ref: fn.id });
      const invokes = statementsOf(synthesized.template, route).filter((s) =>
        [s.Action].flat().some((action) => String(action).startsWith("lambda:")),
      );
      const started = [{ "Fn::GetAtt": [fn.id, "Arn"] }];
      if (deployment.route.needs.includes("archives")) started.push({ "Fn::GetAtt": [exporterId(), "Arn"] });
      expect(invokes.map((s) => [s.Action].flat())).toEqual(started.map(() => ["lambda:InvokeFunction"]));
      expect(invokes.map((s) => s.Resource)).toEqual(started);
    }
  });

  it("deploys the feeds and webhook routes, and the archive routes without a throttle of their own, in the events stack, on the same API, behind the same authorizer", () => {
    const events = routeDeployments.filter(inEventsStack);
    expect(routeDeployments.filter((deployment) => isEventsRoute(deployment.route))).toHaveLength(18);
    // Listing and reading exports; starting one and restoring have throttles, held by the API stack's stage.
    expect(events.filter((deployment) => !isEventsRoute(deployment.route)).map((deployment) => deployment.key)).toEqual(
      [
        "GET /org/exports",
        "GET /org/exports/{export_id}",
        "GET /platform/organizations/{organization_id}/exports",
        "GET /platform/organizations/{organization_id}/exports/{export_id}",
      ],
    );
    const inEvents = Object.values(resources(synthesized.stackTemplates.events, "AWS::ApiGatewayV2::Route")).map(
      (route) => route.Properties.RouteKey,
    );
    expect(inEvents.sort()).toEqual(events.map((deployment) => deployment.key).sort());
    const [authorizerId] = Object.keys(resources(synthesized.template, "AWS::ApiGatewayV2::Authorizer"));
    for (const deployment of events) {
      const route = Object.values(resources(synthesized.template, "AWS::ApiGatewayV2::Route")).find(
        (r) => r.Properties.RouteKey === deployment.key,
      )!;
      expect(route.Properties.AuthorizationType).toBe("JWT");
      expect(refId(route.Properties.AuthorizerId)).toBe(authorizerId);
      expect(route.Properties.AuthorizationScopes).toEqual([...deployment.authorizationScopes]);
    }
  });
});
