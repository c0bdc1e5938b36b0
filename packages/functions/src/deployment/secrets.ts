/**
 * Deployed secrets → `process.env`.
 *
 * SST v2 binds a `Config.Secret` to a function as the environment variable
 * `SST_Secret_value_<NAME>=__FETCH_FROM_SSM__` plus the IAM permission to read its SSM parameter;
 * the value itself is fetched by `sst/node/config`, whose import runs one `GetParameters` call
 * (top-level await) for every bound secret. `@org-service/core` reads its configuration from
 * `process.env` only, so this module bridges the two: call it before the configuration is read.
 */
import { once } from "@org-service/core/once";
import { ABSENT_SECRET_VALUE, SECRET_NAMES, type SecretName } from "./secret-names";

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
  // Dynamic, so that the SSM client is only loaded (and, with code splitting, only parsed) by
  // functions that have secrets bound.
  const { Config } = await import("sst/node/config");
  // A Proxy that throws for an unbound name: read only the names SST bound.
  const config = Config as unknown as Record<string, string | undefined>;
  applySecrets(Object.fromEntries(names.map((name) => [name, config[name]])));
}
