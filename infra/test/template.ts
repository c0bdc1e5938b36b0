/** Small lookups in a synthesized CloudFormation template, from a route to what serves it. */
import type { Template } from "aws-cdk-lib/assertions";

export interface Resource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are arbitrary JSON the tests read into
  readonly Properties: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export function resources(template: Template, type?: string): Record<string, Resource> {
  const all = template.toJSON().Resources as Record<string, Resource>;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => type === undefined || r.Type === type));
}

/** `{ Ref: id }` or `{ "Fn::GetAtt": [id, attr] }` → id. */
export function refId(value: unknown): string | undefined {
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === "string") return v.Ref;
    const getAtt = v["Fn::GetAtt"];
    if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  }
  return undefined;
}

export function routeOf(template: Template, key: string): Resource & { id: string } {
  const found = Object.entries(resources(template, "AWS::ApiGatewayV2::Route")).filter(
    ([, r]) => r.Properties.RouteKey === key,
  );
  if (found.length !== 1) throw new Error(`Expected one route "${key}", found ${found.length}`);
  const [id, route] = found[0]!;
  return { id, ...route };
}

/** The Lambda function a route integrates with. */
export function functionOf(template: Template, key: string): Resource & { id: string } {
  const route = routeOf(template, key);
  // Target: "integrations/<integration id>" as Fn::Join ["", ["integrations/", { Ref }]]
  const target = JSON.stringify(route.Properties.Target);
  const integrationId = Object.keys(resources(template, "AWS::ApiGatewayV2::Integration")).find((id) =>
    target.includes(`"${id}"`),
  );
  if (!integrationId) throw new Error(`No integration for route "${key}"`);
  const integration = resources(template)[integrationId]!;
  const fnId = refId(integration.Properties.IntegrationUri);
  if (!fnId) throw new Error(`Integration of "${key}" is not a Lambda function`);
  return { id: fnId, ...resources(template)[fnId]! };
}

/** Every IAM statement in the policies attached to a function's role. */
export function statementsOf(
  template: Template,
  fn: Resource,
): Array<{ Action: string | string[]; Resource: unknown }> {
  const roleId = refId(fn.Properties.Role);
  return Object.values(resources(template, "AWS::IAM::Policy"))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => refId(r) === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
