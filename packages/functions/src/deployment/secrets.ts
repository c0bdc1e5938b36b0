/**
 * Deployed secrets → `process.env`.
 *
 * SST v2 binds a `Config.Secret` to a function as the environment variable
 * `SST_Secret_value_<NAME>=__FETCH_FROM_SSM__` plus the IAM permission to read its SSM parameter;
 * the value itself is fetched by `sst/node/config`, whose import runs one `GetParameters` call
 * (top-level await) for every bound secret, and fails when one is set nowhere; the optional secrets
 * (OPTIONAL_SECRETS) are therefore read here with the same SSM call, one set nowhere counting as
 * absent. `@org-service/core` reads its configuration from
 * `process.env` only, so this module bridges the two: call it before the configuration is read.
 */
import { once } from "@org-service/core/once";
import { ABSENT_SECRET_VALUE, OPTIONAL_SECRETS, SECRET_NAMES, type SecretName } from "./secret-names";

const BOUND_SECRET_ENV_PREFIX = "SST_Secret_value_";

type Env = Record<string, string | undefined>;

/** The secrets SST bound to this function (none outside an SST-deployed or `sst dev` function). */
export function boundSecretNames(env: Env = process.env): SecretName[] {
  return SECRET_NAMES.filter((name) => env[`${BOUND_SECRET_ENV_PREFIX}${name}`] !== undefined);
}

/**
 * Copies secret values into `env` under the names core reads. A value already set in `env` wins
 * (an operator's override); an empty value or the {@link ABSENT_SECRET_VALUE} placeholder means
 * "not configured" and leaves the variable unset.
 */
export function applySecrets(values: Partial<Record<SecretName, string | undefined>>, env: Env = process.env): void {
  for (const name of SECRET_NAMES) {
    const value = values[name]?.trim();
    if (!value || value.toLowerCase() === ABSENT_SECRET_VALUE) continue;
    if (env[name]) continue;
    env[name] = value;
  }
}

const secrets = once(load);

/**
 * Loads the secrets bound to this function into `process.env`, once per container. A no-op (no
 * import, no AWS call) where no secret is bound: the local server, tests, and functions that need
 * none. A failure (a secret never set for the stage, SSM unreachable) rejects, and is not cached.
 */
export function loadDeployedSecrets(): Promise<void> {
  return secrets.get();
}

/** Forget that the secrets were loaded (tests). */
export function resetDeployedSecrets(): void {
  secrets.reset();
}

async function load(): Promise<void> {
  const names = boundSecretNames();
  if (names.length === 0) return;
  // SST's loader fails its whole import when a bound secret is set neither for the stage nor as the
  // app's fallback: the optional ones are kept from it and fetched here, where unset means absent.
  const optional = names.filter((name) => OPTIONAL_SECRETS.includes(name));
  const required = names.filter((name) => !optional.includes(name));
  const values: Partial<Record<SecretName, string | undefined>> = await optionalSecretValues(optional);
  if (required.length > 0) {
    const hidden = optional.map((name) => [
      `${BOUND_SECRET_ENV_PREFIX}${name}`,
      process.env[`${BOUND_SECRET_ENV_PREFIX}${name}`],
    ]);
    for (const [variable] of hidden) delete process.env[variable!];
    try {
      // Dynamic, so that the SSM client is only loaded (and, with code splitting, only parsed) by
      // functions that have secrets bound.
      const { Config } = await import("sst/node/config");
      // A Proxy that throws for an unbound name: read only the names SST bound.
      const config = Config as unknown as Record<string, string | undefined>;
      for (const name of required) values[name] = config[name];
    } finally {
      for (const [variable, value] of hidden) process.env[variable!] = value;
    }
  }
  applySecrets(values);
}

/**
 * The optional secrets' values, read from SSM where SST keeps them (the stage's parameter, else the
 * app's fallback), as SST's loader does; one set in neither place is undefined.
 */
async function optionalSecretValues(names: readonly SecretName[]): Promise<Partial<Record<SecretName, string>>> {
  if (names.length === 0) return {};
  const { GetParametersCommand, SSMClient } = await import("@aws-sdk/client-ssm");
  const ssm = new SSMClient({ region: process.env.SST_REGION });
  const read = async (paths: string[]) => {
    const { Parameters = [] } = await ssm.send(new GetParametersCommand({ Names: paths, WithDecryption: true }));
    return new Map(Parameters.map((parameter) => [parameter.Name, parameter.Value]));
  };
  const stagePath = (name: string) => `${process.env.SST_SSM_PREFIX ?? ""}Secret/${name}/value`;
  const fallbackPath = (name: string) => `/sst/${process.env.SST_APP}/.fallback/Secret/${name}/value`;
  const staged = await read(names.map(stagePath));
  const unstaged = names.filter((name) => !staged.has(stagePath(name)));
  const fallbacks = unstaged.length > 0 ? await read(unstaged.map(fallbackPath)) : new Map<string, string>();
  return Object.fromEntries(
    names.map((name) => [name, staged.get(stagePath(name)) ?? fallbacks.get(fallbackPath(name))] as const),
  );
}
