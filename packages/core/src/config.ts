// zod/mini, not classic zod: tree-shakable, so every function that reads its configuration stays small.
import * as z from "zod/mini";
import { ConfigurationError } from "./errors";

/**
 * Service configuration, read from the environment once per container on first use (not at
 * import, so a cold start pays only for what the invocation touches).
 */
const environmentSchema = z.object({
  MONGODB_URI: z.optional(z.string().check(z.minLength(1))),
  MONGODB_MASTER_DB: z._default(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,38}$/)), "org_master"),
  MONGODB_TENANT_DB: z._default(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,38}$/)), "org_tenants"),
  /** bcrypt work factor: every step doubles the time of a hash and of a login. */
  BCRYPT_COST: z._default(z.coerce.number().check(z.int(), z.gte(4), z.lte(15)), 12),
  /** The `iss` of every token and the base of the OIDC discovery document. */
  JWT_ISSUER: z._default(z.url(), "http://127.0.0.1:3000"),
  JWT_AUDIENCE: z._default(z.string().check(z.minLength(1)), "org-service"),
  /** Access-token lifetime: short, since a session's refresh token renews it (15 minutes). */
  JWT_TTL_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(60), z.lte(86_400)), 900),
  /** The longest a session lasts from its login, refreshes or not. */
  SESSION_TTL_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(365)), 30),
  /** A session ends after this many days without a refresh. */
  SESSION_IDLE_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(365)), 7),
  /** Current signing key: an RSA private key as PKCS#8 PEM or as a JWK (JSON). */
  JWT_PRIVATE_KEY: z.optional(z.string().check(z.minLength(1))),
  /** The key used before the last rotation (PEM or JWK, private or public): published, never used to sign. */
  JWT_PREVIOUS_KEY: z.optional(z.string().check(z.minLength(1))),
  /**
   * How old an unfinished operation must be before the reconciler (or the next change of that
   * organization) repairs it: comfortably longer than any request may run, so a live request is
   * never repaired under its feet.
   */
  RECONCILE_GRACE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(86_400)), 120),
  /** Failed logins tolerated per email, and per source address, within the window; then 429 until they age out. */
  LOGIN_MAX_FAILURES_PER_EMAIL: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 5),
  LOGIN_MAX_FAILURES_PER_IP: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 20),
  LOGIN_FAILURE_WINDOW_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(86_400)), 900),
  /** Pending invitations an organization may have at once; past it, inviting answers 409. */
  MAX_PENDING_INVITATIONS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000)), 100),
  /** How long an invitation can be accepted: a week by default. */
  INVITATION_TTL_HOURS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(8_760)), 168),
  /** Base of the accept links in invitations (the dashboard's address); the issuer when unset. */
  PUBLIC_URL: z.optional(z.url()),
  /** Sender of invitation mail through Amazon SES; unset, mail goes to the log and the outbox. */
  MAIL_FROM: z.optional(z.email()),
  /** Set by the Lambda runtime: there a missing signing key is a deployment error, not a cue to generate one. */
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
});

export interface Config {
  readonly mongodbUri: string | undefined;
  readonly masterDbName: string;
  readonly tenantDbName: string;
  readonly bcryptCost: number;
  readonly reconcileGraceSeconds: number;
  readonly loginThrottle: { readonly maxPerEmail: number; readonly maxPerIp: number; readonly windowSeconds: number };
  readonly invitations: {
    readonly maxPending: number;
    readonly ttlHours: number;
    /** Base of accept links, without a trailing slash. */
    readonly publicUrl: string;
  };
  readonly mailFrom: string | undefined;
  readonly sessions: { readonly ttlDays: number; readonly idleDays: number };
  readonly jwt: {
    readonly issuer: string;
    readonly audience: string;
    readonly ttlSeconds: number;
    readonly privateKey: string | undefined;
    readonly previousKey: string | undefined;
    readonly mayGenerateKey: boolean;
  };
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = z.safeParse(environmentSchema, env);
  if (!parsed.success) {
    // Name the variables, never echo their values: some are secrets.
    const names = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
    throw new ConfigurationError(`Invalid configuration: ${names.join(", ")}`);
  }
  const e = parsed.data;
  return {
    mongodbUri: e.MONGODB_URI,
    masterDbName: e.MONGODB_MASTER_DB,
    tenantDbName: e.MONGODB_TENANT_DB,
    bcryptCost: e.BCRYPT_COST,
    reconcileGraceSeconds: e.RECONCILE_GRACE_SECONDS,
    invitations: {
      maxPending: e.MAX_PENDING_INVITATIONS,
      ttlHours: e.INVITATION_TTL_HOURS,
      publicUrl: (e.PUBLIC_URL ?? e.JWT_ISSUER).replace(/\/+$/, ""),
    },
    mailFrom: e.MAIL_FROM,
    sessions: { ttlDays: e.SESSION_TTL_DAYS, idleDays: e.SESSION_IDLE_DAYS },
    loginThrottle: {
      maxPerEmail: e.LOGIN_MAX_FAILURES_PER_EMAIL,
      maxPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    jwt: {
      issuer: e.JWT_ISSUER.replace(/\/+$/, ""),
      audience: e.JWT_AUDIENCE,
      ttlSeconds: e.JWT_TTL_SECONDS,
      privateKey: e.JWT_PRIVATE_KEY,
      previousKey: e.JWT_PREVIOUS_KEY,
      mayGenerateKey: e.AWS_LAMBDA_FUNCTION_NAME === undefined,
    },
  };
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forget the cached configuration, so the next call reads the environment again (local server, tests). */
export function resetConfig(): void {
  cached = undefined;
}
