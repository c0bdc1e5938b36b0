/**
 * Synthesizes the app exactly as `sst deploy` would (same sst.config.ts, same stacks), offline:
 * no AWS credentials, no lookups. With `active: false` the stacks are marked inactive, which makes
 * SST skip building function code (as `sst deploy <other stack>` does); everything else is the same.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type Stack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { afterAll } from "vitest";
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
  return { app, stack, template: Template.fromStack(stack) };
}
