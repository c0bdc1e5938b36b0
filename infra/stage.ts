import { Aspects, CfnResource, RemovalPolicy } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { App as SstApp } from "sst/constructs";

/**
 * What differs between stages. A stage is one isolated copy of the app (its own stack, API, functions
 * and secrets): `production`, a developer's personal stage, one per pull request.
 */

/** Stages whose resources must survive `sst remove` and a replacing deploy. */
export const PRODUCTION_STAGES: readonly string[] = ["production", "prod"];

export const isProductionStage = (stage: string): boolean => PRODUCTION_STAGES.includes(stage);

/**
 * Production retains what it created if the stack is removed or a resource replaced; every other
 * stage is disposable, and `sst remove` cleans it up completely.
 */
export const removalPolicyFor = (stage: string): "retain" | "destroy" =>
  isProductionStage(stage) ? "retain" : "destroy";

/** CloudWatch Logs retention of every function's log group. */
export const logRetentionFor = (stage: string): "three_months" | "one_week" =>
  isProductionStage(stage) ? "three_months" : "one_week";

/**
 * Database names per stage. Production uses core's defaults; every other stage gets its own pair,
 * so preview stages can share one Atlas cluster (the app-wide fallback `MONGODB_URI`) without
 * seeing each other's data. Names stay within core's limit (38 characters of `[A-Za-z0-9_-]`).
 */
export function databaseEnvironmentFor(stage: string): Record<string, string> {
  if (isProductionStage(stage)) return {};
  const prefix = stage.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 30);
  return { MONGODB_MASTER_DB: `${prefix}_master`, MONGODB_TENANT_DB: `${prefix}_tenants` };
}

/**
 * A git branch name as an SST stage name: a letter first, then letters, digits and hyphens, short
 * enough that `<stage>-org-service-Api` and the function names derived from it stay within AWS
 * limits. The CI workflow calls it through `infra/scripts/stage-name.ts`.
 */
export function stageForBranch(branch: string): string {
  const stage = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  // A branch must never deploy over production.
  return !stage ? "branch" : isProductionStage(stage) ? `branch-${stage}` : stage;
}

/**
 * The stage's removal policy on every resource of the app. SST's `setDefaultRemovalPolicy` covers
 * the resources that exist when it runs; SST creates its binding SSM parameters later, in an
 * aspect, so the same policy is also applied by an aspect that sees those too.
 */
export function applyRemovalPolicy(app: SstApp): void {
  const policy = removalPolicyFor(app.stage);
  app.setDefaultRemovalPolicy(policy);
  const cdkPolicy = policy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  Aspects.of(app).add({
    visit(node: IConstruct) {
      if (node instanceof CfnResource) node.applyRemovalPolicy(cdkPolicy);
    },
  });
}
