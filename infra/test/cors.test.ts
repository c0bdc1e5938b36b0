import { beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_HEADERS } from "@org-service/functions/deployment";
import { routeDeployments } from "../functions";
import { functionOf, resources } from "./template";
import { synthesize, type Synthesized } from "./synth";

/** CORS comes from the deploy environment, and API Gateway and the functions get the same list. */
const ORIGINS = "https://app.example.com,https://*.example.org";
let withCors: Synthesized;
let withoutCors: Synthesized;

beforeAll(async () => {
  process.env.CORS_ALLOWED_ORIGINS = ORIGINS;
  try {
    withCors = await synthesize("pr-cors", { active: false });
  } finally {
    delete process.env.CORS_ALLOWED_ORIGINS;
  }
  withoutCors = await synthesize("pr-nocors", { active: false });
}, 120_000);

describe("CORS", () => {
  it("API Gateway answers preflights for the configured origins", () => {
    const apis = Object.values(resources(withCors.template, "AWS::ApiGatewayV2::Api"));
    expect(apis).toHaveLength(1);
    expect(apis[0]!.Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: ORIGINS.split(","),
      AllowHeaders: ALLOWED_HEADERS,
    });
  });

  it("is off unless configured: no cross-origin access by default", () => {
    const api = Object.values(resources(withoutCors.template, "AWS::ApiGatewayV2::Api"))[0]!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
    for (const deployment of routeDeployments) {
      expect(
        functionOf(withoutCors.template, deployment.key).Properties.Environment.Variables.CORS_ALLOWED_ORIGINS,
      ).toBeUndefined();
    }
  });

  it("every function adds the headers for the same origins", () => {
    for (const deployment of routeDeployments) {
      expect(functionOf(withCors.template, deployment.key).Properties.Environment.Variables.CORS_ALLOWED_ORIGINS).toBe(
        ORIGINS,
      );
    }
  });
});
