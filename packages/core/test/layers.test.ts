import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import { expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const rules = createRequire(import.meta.url)(path.join(ROOT, ".dependency-cruiser.cjs")) as {
  forbidden: IForbiddenRuleType[];
  options: Record<string, unknown>;
};

/**
 * The import rules of .dependency-cruiser.cjs hold: no cycle in core, no module of core importing
 * from a layer above its own (the layers: packages/core/src/index.ts), nothing outside core
 * reaching past its package's entry points. Over what those rules speak of: every package's
 * sources and tests, and the infrastructure.
 */
it("keeps core's layers, without cycles, reached from outside only through its entry points", async () => {
  const cruised = await cruise(["packages/*/src", "packages/*/test", "infra"], {
    ...rules.options,
    baseDir: ROOT,
    tsConfig: { fileName: path.join(ROOT, "tsconfig.json") },
    validate: true,
    ruleSet: { forbidden: rules.forbidden },
  });
  const result = cruised.output as ICruiseResult;
  // Cruised at all: a path that matched nothing would make every rule hold.
  expect(result.modules.filter((module) => module.source.startsWith("packages/core/src/")).length).toBeGreaterThan(100);
  const violations = result.summary.violations.map((violation) =>
    [
      `${violation.rule.name}: ${violation.from} -> ${violation.to}`,
      ...(violation.cycle?.length ? [`  (cycle: ${violation.cycle.map((step) => step.name).join(" -> ")})`] : []),
    ].join("\n"),
  );
  expect(violations, `\n${violations.join("\n")}\n`).toEqual([]);
}, 60_000);
