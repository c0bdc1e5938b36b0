/**
 * Which deployed secrets exist and which function gets which one. Shared by the SST stacks (that
 * create the `Config.Secret`s and bind them) and by the runtime loader (that copies the bound
 * values into `process.env`), so the two agree on names. Free of runtime imports on purpose.
 *
 * A secret's name is also the environment variable `@org-service/core` reads it from.
 */
import type { Capability } from "../routes";

export const SECRET_NAMES = ["MONGODB_URI", "JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** The secrets a capability needs bound: a function gets these and no others. */
export const SECRETS_BY_CAPABILITY = {
  database: ["MONGODB_URI"],
  "signing-key": ["JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"],
  // A permission and a plain setting, no secret.
  mail: [],
} as const satisfies Record<Capability, readonly SecretName[]>;

/**
 * SST v2 cannot bind an optional secret: a function whose bound secret has no value fails at cold
 * start. Secrets that may legitimately be empty are set to this placeholder instead (once for the
 * app: `sst secrets set --fallback JWT_PREVIOUS_KEY none`), and the loader treats it as absent.
 */
export const ABSENT_SECRET_VALUE = "none";

/** Secrets that are commonly {@link ABSENT_SECRET_VALUE} (documented; any secret may be). */
export const OPTIONAL_SECRETS: readonly SecretName[] = ["JWT_PREVIOUS_KEY"];

export function secretsFor(needs: readonly Capability[]): SecretName[] {
  const names = new Set<SecretName>(needs.flatMap((need) => SECRETS_BY_CAPABILITY[need]));
  return SECRET_NAMES.filter((name) => names.has(name));
}
