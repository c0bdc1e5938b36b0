import { beforeAll, describe, expect, it } from "vitest";
import { inIdentityStack, routeDeployments } from "../functions";
import { functionOf, refId, resources } from "./template";
import { synthesize, type Synthesized } from "./synth";

/**
 * The identity routes as deployed: single sign-on, verified domains and policies in a stack of
 * their own on the same API and authorizer, and the key that seals connections' client secrets
 * bound to the two functions that use it, and to no other.
 */
let synthesized: Synthesized;
beforeAll(async () => {
  synthesized = await synthesize("pr-7", { active: false });
}, 120_000);

describe("the identity stack", () => {
  it("deploys the single sign-on routes on the same API, the protected ones behind the same authorizer and scopes", () => {
    const identity = routeDeployments.filter(inIdentityStack);
    expect(identity.map((deployment) => deployment.key)).toEqual(
      expect.arrayContaining([
        "GET /org/sso",
        "PUT /org/sso",
        "PATCH /org/sso",
        "DELETE /org/sso",
        "POST /org/sso/test",
        "GET /auth/sso/start",
        "GET /auth/sso/callback/{organization_id}",
        "POST /auth/sso/exchange",
      ]),
    );
    const deployed = Object.values(resources(synthesized.stackTemplates.identity, "AWS::ApiGatewayV2::Route")).map(
      (route) => route.Properties.RouteKey,
    );
    expect(deployed.sort()).toEqual(identity.map((deployment) => deployment.key).sort());
    const inApi = Object.values(resources(synthesized.stackTemplates.api, "AWS::ApiGatewayV2::Route")).map(
      (route) => route.Properties.RouteKey,
    );
    for (const key of deployed) expect(inApi).not.toContain(key);

    const [authorizerId] = Object.keys(resources(synthesized.template, "AWS::ApiGatewayV2::Authorizer"));
    const [apiId] = Object.keys(resources(synthesized.template, "AWS::ApiGatewayV2::Api"));
    for (const deployment of identity) {
      const route = Object.values(resources(synthesized.template, "AWS::ApiGatewayV2::Route")).find(
        (r) => r.Properties.RouteKey === deployment.key,
      )!;
      expect(refId(route.Properties.ApiId)).toBe(apiId);
      if (deployment.route.auth === "public") {
        expect(route.Properties.AuthorizationType ?? "NONE").toBe("NONE");
      } else {
        expect(route.Properties.AuthorizationType).toBe("JWT");
        expect(refId(route.Properties.AuthorizerId)).toBe(authorizerId);
        expect(route.Properties.AuthorizationScopes).toEqual([...deployment.authorizationScopes]);
      }
    }
  });

  it("binds SSO_ENCRYPTION_KEY to saving a connection and to the callback alone", () => {
    const bound = routeDeployments
      .filter((deployment) => {
        const env = functionOf(synthesized.template, deployment.key).Properties.Environment.Variables as Record<
          string,
          unknown
        >;
        return "SST_Secret_value_SSO_ENCRYPTION_KEY" in env;
      })
      .map((deployment) => deployment.key);
    expect(bound.sort()).toEqual(["GET /auth/sso/callback/{organization_id}", "PUT /org/sso"]);
  });
});
