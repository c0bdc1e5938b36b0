/**
 * The environment the stack gives a function, checked at synthesis as the function itself will
 * check it (core's `parseConfig`): a wrong deploy-time setting such as `CORS_ALLOWED_ORIGINS` fails
 * `sst deploy` with the variable named, instead of every invocation of the deployed functions.
 * Values only known once deployed (the API's URL, a CDK token here) are left to the function's
 * own check at init.
 */
import { parseConfig } from "@org-service/core";
import { Token } from "aws-cdk-lib";

export function checkedFunctionEnvironment<Environment extends Record<string, string>>(
  environment: Environment,
): Environment {
  parseConfig(Object.fromEntries(Object.entries(environment).filter(([, value]) => !Token.isUnresolved(value))));
  return environment;
}
