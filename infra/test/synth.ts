/**
 * Synthesizes the app exactly as `sst deploy` would (same sst.config.ts, same stacks), offline:
 * no AWS credentials, no lookups. With `active: false` the stacks are marked inactive, which makes
 * SST skip building function code (as `sst deploy <other stack>` does); everything else is the same.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type Stack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import config from "../../sst.config";
import { ApiStack } from "../api";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly template: Template;
}

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
  const app = new App({
    mode: options.mode ?? "deploy",
    name: project.config.name,
    stage: project.config.stage,
    region: project.config.region,
    account: ACCOUNT,
    ...(options.active ? {} : { isActiveStack: () => false }),
  });
  await config.stacks(app);
  await app.finish();
  const stack = getStack(ApiStack);
  return { app, stack, template: Template.fromStack(stack) };
}
