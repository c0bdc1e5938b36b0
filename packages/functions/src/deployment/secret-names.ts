/**
 * Which deployed secrets exist and which function gets which one. Shared by the SST stacks (that
 * create the `Config.Secret`s and bind them) and by the runtime loader (that copies the bound
 * values into `process.env`), so the two agree on names. Free of runtime imports on purpose.
 *
 * A secret's name is also the environment variable `@org-service/core` reads it from.
 */
import type { Capability } from "../routes";

export const SECRET_NAMES = [
  "MONGODB_URI",
  "TENANT_CELLS",
  "JWT_PRIVATE_KEY",
  "JWT_PREVIOUS_KEY",
  "SSO_ENCRYPTION_KEY",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** The secrets a capability needs bound: a function gets these and no others. */
export const SECRETS_BY_CAPABILITY = {
  // TENANT_CELLS: the cells tenants are placed across (connection strings), wherever the database is used.
  database: ["MONGODB_URI", "TENANT_CELLS"],
  "signing-key": ["JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"],
  // A permission and a plain setting, no secret.
  mail: [],
  // A bucket to read and a function to start (infra/archives.ts), no secret.
  archives: [],
  // Seals and opens single sign-on connections' client secrets: only where they are saved or used.
  "sso-key": ["SSO_ENCRYPTION_KEY"],
} as const satisfies Record<Capability, readonly SecretName[]>;

/**
 * SST v2 cannot bind an optional secret: its loader fails the cold start of a function with a bound
 * secret that has no value. Secrets that may legitimately be empty may be set to this placeholder
 * (once for the app: `sst secrets set --fallback JWT_PREVIOUS_KEY none`), which the loader treats
 * as absent; the {@link OPTIONAL_SECRETS} may also be left unset (the loader reads those itself).
 */
export const ABSENT_SECRET_VALUE = "none";

/**
 * Secrets that may be {@link ABSENT_SECRET_VALUE} (any secret may be), or not set at all: these the
 * loader fetches itself, and one set for neither the stage nor as the app's fallback counts as
 * absent instead of failing the cold start (TENANT_CELLS unset: the one default cell).
 */
export const OPTIONAL_SECRETS: readonly SecretName[] = ["TENANT_CELLS", "JWT_PREVIOUS_KEY", "SSO_ENCRYPTION_KEY"];

export function secretsFor(needs: readonly Capability[]): SecretName[] {
  const names = new Set<SecretName>(needs.flatMap((need) => SECRETS_BY_CAPABILITY[need]));
  return SECRET_NAMES.filter((name) => names.has(name));
}
