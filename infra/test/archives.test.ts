import { ARCHIVE_RETENTION_DAYS } from "@org-service/core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ABORT_INCOMPLETE_UPLOADS_DAYS,
  EXPORTER_DISK_MB,
  EXPORTER_HANDLER,
  EXPORTER_MEMORY_MB,
  EXPORTER_TIMEOUT_SECONDS,
} from "../archives";
import { RECONCILE_SCHEDULE } from "../reconciler";
import { inEventsStack, routeDeployments } from "../functions";
import { functionOf, refId, resources, statementsOf, type Resource } from "./template";
import { logicalIdOf, synthesize, type Synthesized } from "./synth";

/**
 * Organizations' archives as deployed: a private, encrypted, TLS-only bucket that forgets an archive
 * after its retention; the export function, the only one that may write to it; the archive routes,
 * which may read it and start the export function, and no other route.
 */
const stages: Record<string, Synthesized> = {};
beforeAll(async () => {
  // Sequential: SST holds one project and one app per process.
  for (const stage of ["pr-9", "production"]) stages[stage] = await synthesize(stage, { active: false });
}, 120_000);

const pr = () => stages["pr-9"]!;

type Statement = { Effect?: string; Action: string | string[]; Resource: unknown; Principal?: unknown };
const actionsOf = (statement: Statement): string[] => [statement.Action].flat().map(String);

function bucketOf(synthesized: Synthesized): Resource & { id: string } {
  const buckets = Object.entries(resources(synthesized.template, "AWS::S3::Bucket"));
  expect(buckets).toHaveLength(1);
  return { id: buckets[0]![0], ...buckets[0]![1] };
}

function bucketPolicyOf(synthesized: Synthesized): Resource {
  const { id } = bucketOf(synthesized);
  const policies = Object.values(resources(synthesized.template, "AWS::S3::BucketPolicy")).filter(
    (policy) => refId(policy.Properties.Bucket) === id,
  );
  expect(policies).toHaveLength(1);
  return policies[0]!;
}

function exporter(synthesized: Synthesized = pr()): Resource & { id: string } {
  const id = logicalIdOf(synthesized.stack, "Exporter");
  const fn = resources(synthesized.template)[id];
  expect(fn?.Type).toBe("AWS::Lambda::Function");
  return { id, ...fn! };
}

/** Whether a statement applies to the bucket or its objects (by name, or to every resource). */
const onBucket = (statement: Statement, bucketId: string): boolean =>
  [statement.Resource].flat().some((resource) => resource === "*" || JSON.stringify(resource).includes(bucketId));

/** An action that writes or deletes objects (or may: a wildcard over them). */
const writes = (action: string): boolean =>
  action === "*" || /^s3:(\*|Put|Delete|Abort|Restore|Replicate|ObjectOwnerOverride)/i.test(action);

const archiveRoutes = () => routeDeployments.filter((deployment) => deployment.route.needs.includes("archives"));

describe("the archive bucket", () => {
  it("is encrypted at rest with S3-managed keys, and not versioned", () => {
    const { Properties } = bucketOf(pr());
    expect(Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    expect(Properties.VersioningConfiguration).toBeUndefined();
  });

  it("blocks every kind of public access", () => {
    expect(bucketOf(pr()).Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("refuses every request that is not over TLS", () => {
    const { id } = bucketOf(pr());
    const statements = bucketPolicyOf(pr()).Properties.PolicyDocument.Statement as (Statement & {
      Condition?: unknown;
    })[];
    const denials = statements.filter((statement) => statement.Effect === "Deny");
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      Action: "s3:*",
      Principal: { AWS: "*" },
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // The bucket itself and every object in it.
    expect(denials[0]!.Resource).toEqual([
      { "Fn::GetAtt": [id, "Arn"] },
      { "Fn::Join": ["", [{ "Fn::GetAtt": [id, "Arn"] }, "/*"]] },
    ]);
  });

  it("forgets an archive after core's retention, and an unfinished upload after a day", () => {
    const rules = bucketOf(pr()).Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
    expect(ABORT_INCOMPLETE_UPLOADS_DAYS).toBe(1);
    // The very retention core promises in its answers (an export's `expires_at`).
    expect(rules[0]!.ExpirationInDays).toBe(ARCHIVE_RETENTION_DAYS);
    expect(rules[0]!.ExpirationInDays).toBe(7);
    // For every object: no prefix or tag narrows the rule.
    expect(rules[0]!.Prefix).toBeUndefined();
    expect(rules[0]!.TagFilters).toBeUndefined();
  });

  it("is emptied and deleted with a disposable stage, and kept with production", () => {
    const autoDeletes = (synthesized: Synthesized) =>
      Object.values(resources(synthesized.template, "Custom::S3AutoDeleteObjects")).filter(
        (resource) => refId(resource.Properties.BucketName) === bucketOf(synthesized).id,
      );
    expect(bucketOf(pr()).DeletionPolicy).toBe("Delete");
    expect(autoDeletes(pr())).toHaveLength(1);
    const production = stages.production!;
    expect(bucketOf(production).DeletionPolicy).toBe("Retain");
    expect(bucketOf(production).UpdateReplacePolicy).toBe("Retain");
    expect(autoDeletes(production)).toHaveLength(0);
  });

  it("is named in the stack's outputs", () => {
    const outputs = pr().template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(refId(outputs.ExportsBucketName?.Value)).toBe(bucketOf(pr()).id);
  });
});

describe("the export function", () => {
  it("runs run-export with Lambda's longest timeout, memory for compressing, and disk for spooling parts", () => {
    // (Its handler is built and loaded by bundle.test.ts; here, the function made for it.)
    expect(EXPORTER_HANDLER).toBe("packages/functions/src/jobs/run-export.handler");
    const built = pr()
      .app.node.findAll()
      .filter((c) => (c as { props?: { handler?: string } }).props?.handler === EXPORTER_HANDLER);
    expect(built).toHaveLength(1);
    expect(built[0]!.node.path).toBe(pr().stack.node.findChild("Exporter").node.path);
    const fn = exporter();
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Timeout).toBe(EXPORTER_TIMEOUT_SECONDS);
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.MemorySize).toBe(EXPORTER_MEMORY_MB);
    expect(fn.Properties.MemorySize).toBe(1024);
    expect(fn.Properties.EphemeralStorage).toEqual({ Size: EXPORTER_DISK_MB });
    expect(EXPORTER_DISK_MB).toBe(2048);
  });

  it("is told the bucket and the dispatcher, and bound to the database's secrets and the signing key only", () => {
    const fn = exporter();
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(env.EXPORTS_BUCKET).toEqual({ Ref: bucketOf(pr()).id });
    expect(env.EVENTS_DISPATCHER_FUNCTION).toEqual({ Ref: logicalIdOf(pr().stack, "EventDispatcher") });
    expect(env.MONGODB_MASTER_DB).toBe("pr-9_master");
    expect(
      Object.keys(env)
        .filter((name) => name.startsWith("SST_Secret_value_"))
        .sort(),
    ).toEqual([
      "SST_Secret_value_JWT_PREVIOUS_KEY",
      "SST_Secret_value_JWT_PRIVATE_KEY",
      "SST_Secret_value_MONGODB_URI",
      "SST_Secret_value_TENANT_CELLS",
    ]);
  });

  it("may write, abort and delete the bucket's objects and nothing else in it, and start the dispatcher", () => {
    const fn = exporter();
    const { id: bucketId } = bucketOf(pr());
    const statements = statementsOf(pr().template, fn) as Statement[];
    const s3 = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith("s3:")));
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0]!).sort()).toEqual(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"]);
    expect(s3[0]!.Resource).toEqual({ "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] });
    const lambda = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith("lambda:")),
    );
    expect(lambda.map((statement) => [actionsOf(statement), statement.Resource])).toEqual([
      [["lambda:InvokeFunction"], { "Fn::GetAtt": [logicalIdOf(pr().stack, "EventDispatcher"), "Arn"] }],
    ]);
  });

  it("has no API route and no schedule", () => {
    const { id } = exporter();
    for (const deployment of routeDeployments) expect(functionOf(pr().template, deployment.key).id).not.toBe(id);
    for (const rule of Object.values(resources(pr().template, "AWS::Events::Rule"))) {
      expect(JSON.stringify(rule.Properties.Targets)).not.toContain(`"${id}"`);
    }
  });
});

describe("who may write to the bucket", () => {
  it.each(["pr-9", "production"])("%s: the export function's role alone, of every function's", (stage) => {
    const synthesized = stages[stage]!;
    const { id: bucketId } = bucketOf(synthesized);
    const exporterRole = refId(exporter(synthesized).Properties.Role);
    expect(exporterRole).toBeDefined();
    // Every managed policy of the stacks…
    const writers = Object.values(resources(synthesized.template, "AWS::IAM::Policy"))
      .filter((policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).some(
          (statement) =>
            statement.Effect === "Allow" && actionsOf(statement).some(writes) && onBucket(statement, bucketId),
        ),
      )
      .flatMap((policy) => (policy.Properties.Roles as unknown[]).map(refId));
    expect(writers).toEqual([exporterRole]);
    // …every role's inline policies (CDK's custom resources' roles have theirs there)…
    const inline = Object.entries(resources(synthesized.template, "AWS::IAM::Role")).filter(([, role]) =>
      ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).some((policy) =>
        policy.PolicyDocument.Statement.some(
          (statement) => actionsOf(statement).some(writes) && onBucket(statement, bucketId),
        ),
      ),
    );
    expect(inline).toEqual([]);
  });

  it("and the bucket's own policy allows nobody else, but CDK's emptying of a disposable stage's bucket", () => {
    const allowed = (synthesized: Synthesized) =>
      (bucketPolicyOf(synthesized).Properties.PolicyDocument.Statement as Statement[])
        .filter((statement) => statement.Effect === "Allow")
        .map((statement) => ({
          principal: refId((statement.Principal as { AWS?: unknown }).AWS),
          actions: actionsOf(statement),
        }));
    // The function behind Custom::S3AutoDeleteObjects: it runs only when the bucket leaves the stack.
    const [emptier] = Object.keys(resources(pr().template, "AWS::IAM::Role")).filter((id) =>
      id.startsWith("CustomS3AutoDeleteObjectsCustomResourceProviderRole"),
    );
    expect(emptier).toBeDefined();
    expect(allowed(pr())).toEqual([
      { principal: emptier, actions: ["s3:PutBucketPolicy", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*"] },
    ]);
    expect(allowed(stages.production!)).toEqual([]);
  });
});

describe("the archive routes", () => {
  it("are the seven exports and restore routes", () => {
    expect(archiveRoutes().map((deployment) => deployment.key)).toEqual([
      "POST /org/exports",
      "GET /org/exports",
      "GET /org/exports/{export_id}",
      "POST /platform/organizations/{organization_id}/exports",
      "GET /platform/organizations/{organization_id}/exports",
      "GET /platform/organizations/{organization_id}/exports/{export_id}",
      "POST /platform/organizations/restore",
    ]);
  });

  it.each(archiveRoutes().map((deployment) => [deployment.key, deployment] as const))(
    "%s: is told the bucket and the export function, may read archives and start exports, and write nothing",
    (key, deployment) => {
      const { template, stackTemplates } = pr();
      const fn = functionOf(template, key);
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      const bucketId = bucketOf(pr()).id;
      const exporterId = exporter().id;
      // Where the route is deployed, the events stack imports them from the API stack (synth.ts resolves the imports).
      expect(env.EXPORTS_BUCKET).toEqual({ Ref: bucketId });
      expect(env.EXPORTS_FUNCTION).toEqual({ Ref: exporterId });
      const inEvents = Object.values(resources(stackTemplates.events, "AWS::ApiGatewayV2::Route")).some(
        (route) => route.Properties.RouteKey === key,
      );
      expect(inEvents).toBe(inEventsStack(deployment));
      const statements = statementsOf(template, fn) as Statement[];
      const s3 = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith("s3:")));
      expect(s3.map((statement) => [actionsOf(statement), statement.Resource])).toEqual([
        [["s3:GetObject"], { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] }],
      ]);
      const invokes = statements.filter((statement) => actionsOf(statement).includes("lambda:InvokeFunction"));
      expect(invokes.map((statement) => statement.Resource)).toContainEqual({ "Fn::GetAtt": [exporterId, "Arn"] });
    },
  );

  it("alone: a route that needs no archives (GET /org/get, and every other) is told neither, and may neither", () => {
    const others = routeDeployments.filter((deployment) => !deployment.route.needs.includes("archives"));
    expect(others.map((deployment) => deployment.key)).toContain("GET /org/get");
    expect(others.length).toBe(routeDeployments.length - 7);
    const exporterId = exporter().id;
    const bucketId = bucketOf(pr()).id;
    for (const deployment of others) {
      const fn = functionOf(pr().template, deployment.key);
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      const reaches = (statementsOf(pr().template, fn) as Statement[]).filter(
        (statement) =>
          actionsOf(statement).some((action) => action.startsWith("s3:")) ||
          JSON.stringify(statement.Resource).includes(`"${exporterId}"`) ||
          JSON.stringify(statement.Resource).includes(`"${bucketId}"`),
      );
      expect({ key: deployment.key, bucket: env.EXPORTS_BUCKET, exporter: env.EXPORTS_FUNCTION, reaches }).toEqual({
        key: deployment.key,
        bucket: undefined,
        exporter: undefined,
        reaches: [],
      });
    }
  });
});

describe("the scheduled reconciler", () => {
  it("is told the bucket (it marks archives past their retention expired) and may do nothing in it", () => {
    const rule = Object.values(resources(pr().template, "AWS::Events::Rule")).find(
      (r) => r.Properties.ScheduleExpression === RECONCILE_SCHEDULE,
    );
    const id = refId((rule!.Properties.Targets as { Arn: unknown }[])[0]!.Arn)!;
    const fn = resources(pr().template)[id]!;
    expect(fn.Properties.Environment.Variables.EXPORTS_BUCKET).toEqual({ Ref: bucketOf(pr()).id });
    const s3 = (statementsOf(pr().template, fn) as Statement[]).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith("s3:")),
    );
    expect(s3).toEqual([]);
  });
});
