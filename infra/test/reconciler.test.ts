import { beforeAll, describe, expect, it } from "vitest";
import { RECONCILE_SCHEDULE, RECONCILER_TIMEOUT_SECONDS } from "../reconciler";
import { refId, resources, statementsOf, type Resource } from "./template";
import { synthesize, type Synthesized } from "./synth";

let synthesized: Synthesized;
beforeAll(async () => {
  synthesized = await synthesize("pr-7", { active: false });
}, 120_000);

/** The function an EventBridge schedule targets. */
function scheduledFunction(): Resource & { id: string } {
  // The reconciler's rule (the event dispatcher has one of its own: events.test.ts).
  const rules = Object.values(resources(synthesized.template, "AWS::Events::Rule")).filter(
    (rule) => rule.Properties.ScheduleExpression === RECONCILE_SCHEDULE,
  );
  expect(rules).toHaveLength(1);
  expect(rules[0]!.Properties.ScheduleExpression).toBe(RECONCILE_SCHEDULE);
  const targets = rules[0]!.Properties.Targets as { Arn: unknown }[];
  expect(targets).toHaveLength(1);
  const id = refId(targets[0]!.Arn)!;
  return { id, ...resources(synthesized.template)[id]! };
}

describe("the scheduled reconciler", () => {
  it("runs the reconcile handler every few minutes with the database's secrets only", () => {
    const fn = scheduledFunction();
    // (Its handler, RECONCILER_HANDLER, is built and loaded by bundle.test.ts.)
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Timeout).toBe(RECONCILER_TIMEOUT_SECONDS);
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(env).filter((name) => name.startsWith("SST_Secret_value_"))).toEqual([
      "SST_Secret_value_MONGODB_URI",
      "SST_Secret_value_TENANT_CELLS",
    ]);
    expect(env.MONGODB_MASTER_DB).toBe("pr-7_master");
    const readable = statementsOf(synthesized.template, fn)
      .filter((s) => [s.Action].flat().includes("ssm:GetParameters"))
      .map((s) => JSON.stringify(s.Resource));
    expect(readable.join()).toContain("/Secret/MONGODB_URI/value");
    expect(readable.join()).toContain("/Secret/TENANT_CELLS/value");
    expect(readable.join()).not.toContain("JWT_PRIVATE_KEY");
  });
});
