/**
 * Synthesizes the app exactly as `sst deploy` would (same sst.config.ts, same stacks), offline:
 * no AWS credentials, no lookups. With `active: false` the stacks are marked inactive, which makes
 * SST skip building function code (as `sst deploy <other stack>` does); everything else is the same.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type Stack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { afterAll } from "vitest";
import config from "../../sst.config";
import { ApiStack } from "../api";
import { EventsStack } from "../events-stack";
import { IdentityStack } from "../identity-stack";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export interface Synthesized {
  readonly app: App;
  /** The API stack; the event routes are in `eventsStack`, the identity routes in `identityStack`. */
  readonly stack: Stack;
  readonly eventsStack: Stack;
  readonly identityStack: Stack;
  /** The stacks' resources as one template, what one stack imports from the API stack resolved to it. */
  readonly template: Template;
  /** Each stack's own, as CloudFormation gets it (to count a stack's resources). */
  readonly stackTemplates: { readonly api: Template; readonly events: Template; readonly identity: Template };
}

/**
 * Where each synthesis writes its cloud assembly: a directory of its own, removed after the test
 * file (CDK's App would otherwise make one in the temp directory per synthesis and leave it there).
 */
const assemblies: string[] = [];
afterAll(() => {
  for (const dir of assemblies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export async function synthesize(
  stage: string,
  options: { active: boolean; mode?: "deploy" | "dev" },
): Promise<Synthesized> {
  // Handler paths are relative to the project root, where the sst CLI runs.
  if (process.cwd() !== ROOT) process.chdir(ROOT);
  // SST skips its bootstrap lookups (which need AWS) when NODE_ENV is "test"; vitest sets it.
  process.env.NODE_ENV = "test";
  await initProject({ root: ROOT, stage, region: REGION });
  // initProject loads the developer's .env files; a custom domain would need a Route 53 lookup.
  delete process.env.API_DOMAIN;
  const project = useProject();
  const outdir = mkdtempSync(path.join(tmpdir(), "org-service-cdk-"));
  assemblies.push(outdir);
  const app = new App(
    {
      mode: options.mode ?? "deploy",
      name: project.config.name,
      stage: project.config.stage,
      region: project.config.region,
      account: ACCOUNT,
      ...(options.active ? {} : { isActiveStack: () => false }),
    },
    { outdir },
  );
  await config.stacks(app);
  await app.finish();
  const stack = getStack(ApiStack);
  const eventsStack = getStack(EventsStack);
  const identityStack = getStack(IdentityStack);
  const api = Template.fromStack(stack);
  const events = Template.fromStack(eventsStack);
  const identity = Template.fromStack(identityStack);
  return {
    app,
    stack,
    eventsStack,
    identityStack,
    template: merged(api, [events, identity]),
    stackTemplates: { api, events, identity },
  };
}

/**
 * One template of the API stack's resources and the other stacks', each `Fn::ImportValue` of the
 * others replaced by the value the API stack exports under that name: the tests follow a route to
 * its function and role wherever the route is deployed.
 */
function merged(api: Template, others: readonly Template[]): Template {
  const apiJson = api.toJSON() as {
    Resources: Record<string, unknown>;
    Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  };
  const exported = new Map<string, unknown>();
  for (const output of Object.values(apiJson.Outputs ?? {})) {
    if (output.Export) exported.set(JSON.stringify(output.Export.Name), output.Value);
  }
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === "object") {
      const object = value as Record<string, unknown>;
      if ("Fn::ImportValue" in object) {
        const found = exported.get(JSON.stringify(object["Fn::ImportValue"]));
        if (found !== undefined) return found;
      }
      return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
    }
    return value;
  };
  const resourcesOf = (other: Template) =>
    resolve((other.toJSON() as { Resources: Record<string, unknown> }).Resources) as Record<string, unknown>;
  return Template.fromJSON({
    ...apiJson,
    Resources: Object.assign({}, apiJson.Resources, ...others.map(resourcesOf)),
  });
}

/** The logical id, in its stack's template, of the resource a construct of the stack (by its id) stands for. */
export function logicalIdOf(stack: Stack, constructId: string): string {
  const resource = stack.node.findChild(constructId).node.defaultChild;
  if (!resource) throw new Error(`${constructId} is no resource of ${stack.stackName}`);
  return stack.getLogicalId(resource as CfnElement);
}
