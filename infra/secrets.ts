/**
 * The app's secrets, as SST v2 `Config.Secret`s. Values live in SSM Parameter Store (SecureString,
 * one per stage, under `/sst/org-service/<stage>/Secret/<NAME>/value`, or the app-wide fallback
 * `/sst/org-service/.fallback/Secret/<NAME>/value`) and are set with `sst secrets set`, never
 * through CloudFormation, so they appear in no template and no function configuration.
 *
 * A function bound to a secret gets `SST_Secret_value_<NAME>` and `ssm:GetParameters` on exactly
 * that secret's parameters; `loadDeployedSecrets()` (packages/functions/src/deployment) fetches
 * the values at cold start and exposes them to core under the same name.
 */
import type { Construct } from "constructs";
import { Config } from "sst/constructs";
import { SECRET_NAMES, type SecretName } from "@org-service/functions/deployment";

export type Secrets = Readonly<Record<SecretName, Config.Secret>>;

export function createSecrets(scope: Construct): Secrets {
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, new Config.Secret(scope, name)])) as Record<
    SecretName,
    Config.Secret
  >;
}
