import { beforeAll, describe, expect, it } from "vitest";
import { routeDeployments } from "../functions";
import { TENANT_MOVER_MEMORY_MB, TENANT_MOVER_TIMEOUT_SECONDS } from "../tenant-mover";
import { functionOf, refId, resources, statementsOf, type Resource } from "./template";
import { synthesize, type Synthesized } from "./synth";

let synthesized: Synthesized;
beforeAll(async () => {
  synthesized = await synthesize("pr-9", { active: false });
}, 120_000);

const boundSecrets = (fn: Resource): string[] =>
  Object.keys((fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>)
    .filter((name) => name.startsWith("SST_Secret_value_"))
    .map((name) => name.slice("SST_Secret_value_".length))
    .sort();

/** The function the stack output names, as `aws lambda invoke` reaches it. */
function mover(): Resource & { id: string } {
  const outputs = synthesized.template.toJSON().Outputs as Record<string, { Value: unknown }>;
  const id = refId(outputs.TenantMoverFunction?.Value);
  expect(id).toBeDefined();
  return { id: id!, ...resources(synthesized.template)[id!]! };
}

describe("the tenant mover", () => {
  it("is a function of its own, outputs its name, and may run for Lambda's longest", () => {
    const fn = mover();
    // (Its handler, TENANT_MOVER_HANDLER, is built and loaded by bundle.test.ts.)
    expect(fn.Type).toBe("AWS::Lambda::Function");
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Timeout).toBe(TENANT_MOVER_TIMEOUT_SECONDS);
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.MemorySize).toBe(TENANT_MOVER_MEMORY_MB);
    expect(fn.Properties.MemorySize).toBe(1024);
    expect((fn.Properties.Environment.Variables as Record<string, unknown>).MONGODB_MASTER_DB).toBe("pr-9_master");
  });

  it("has no API route and no schedule", () => {
    const { id } = mover();
    const routeFunctions = routeDeployments.map((deployment) => functionOf(synthesized.template, deployment.key).id);
    expect(routeFunctions).not.toContain(id);
    for (const integration of Object.values(resources(synthesized.template, "AWS::ApiGatewayV2::Integration"))) {
      expect(refId(integration.Properties.IntegrationUri)).not.toBe(id);
    }
    for (const rule of Object.values(resources(synthesized.template, "AWS::Events::Rule"))) {
      expect(JSON.stringify(rule.Properties.Targets)).not.toContain(`"${id}"`);
    }
  });

  it("is bound to exactly the database's secrets, and may read only theirs", () => {
    const fn = mover();
    expect(boundSecrets(fn)).toEqual(["MONGODB_URI", "TENANT_CELLS"]);
    const readable = statementsOf(synthesized.template, fn)
      .filter((s) => [s.Action].flat().includes("ssm:GetParameters"))
      .flatMap((s) => [s.Resource].flat())
      .map((r) => /\/Secret\/([A-Z_]+)\/value/.exec(JSON.stringify(r))?.[1]);
    expect(new Set(readable)).toEqual(new Set(["MONGODB_URI", "TENANT_CELLS"]));
  });
});

describe("TENANT_CELLS", () => {
  it("is bound to every function that reaches the database, and to no other", () => {
    for (const deployment of routeDeployments) {
      const bound = boundSecrets(functionOf(synthesized.template, deployment.key));
      const needsDatabase = deployment.route.needs.includes("database");
      expect({ key: deployment.key, cells: bound.includes("TENANT_CELLS") }).toEqual({
        key: deployment.key,
        cells: needsDatabase,
      });
    }
    // Every function of the stacks, the reconciler, the mover, the event dispatcher and the export
    // function included: the cells go with the database.
    const functions = Object.values(resources(synthesized.template, "AWS::Lambda::Function"));
    const withDatabase = functions.filter((fn) => boundSecrets(fn).includes("MONGODB_URI"));
    expect(withDatabase.length).toBe(routeDeployments.filter((d) => d.route.needs.includes("database")).length + 4);
    for (const fn of functions) {
      expect(boundSecrets(fn).includes("TENANT_CELLS")).toBe(boundSecrets(fn).includes("MONGODB_URI"));
    }
  });
});
