// zod/mini, not classic zod: tree-shakable, so every function that reads its configuration stays small.
import { isIP } from "node:net";
import * as z from "zod/mini";
import { ConfigurationError, type ConfigurationIssue } from "./errors";
import { type CellConfig, DEFAULT_CELL, parseTenantCells, tenantCellsProblem } from "./cell-config";

/**
 * Service configuration, read from the environment once per container on first use (not at
 * import, so a cold start pays only for what the invocation touches).
 *
 * Every setting is declared once, below, with what it accepts in words: `parseConfig` refuses a
 * wrong value with one line per variable saying what is wrong and what would be right, so the
 * local commands can refuse to start on it and a deployed function can name it in its log.
 */
interface Setting<S extends z.ZodMiniType> {
  readonly schema: S;
  /** What is accepted, for the message: "a whole number from 1 to 100 (default 5)". */
  readonly expected: string;
  /** What a value of the wrong form is, when the schema cannot say it better: "not a URL". */
  readonly malformed?: string;
  /** Never shown, in a message or a log line. */
  readonly secret?: true;
}

const setting = <S extends z.ZodMiniType>(definition: Setting<S>): Setting<S> => definition;

/** A whole number in decimal digits ("1e3", "0x10" or "1.5" are typos, not numbers), within bounds. */
/** A switch: `true` or `1` turns it on, `false` or `0` (or nothing) leaves it off. */
function offByDefault() {
  return setting({
    schema: z._default(
      z.pipe(
        z.enum(["true", "false", "1", "0"]),
        z.transform((value: "true" | "false" | "1" | "0") => value === "true" || value === "1"),
      ),
      false,
    ),
    expected: "true or false (default false)",
  });
}

function wholeNumber(min: number, max: number, fallback: number) {
  return setting({
    schema: z._default(
      z.pipe(
        z.string().check(z.regex(/^\s*-?\d+\s*$/)),
        z.coerce.number<string>().check(z.int(), z.gte(min), z.lte(max)),
      ),
      fallback,
    ),
    expected: `a whole number from ${min} to ${max} (default ${fallback})`,
    malformed: "not a whole number",
  });
}

const databaseName = (fallback: string) =>
  setting({
    schema: z._default(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,38}$/)), fallback),
    expected: `1–38 letters, digits, "_" or "-" (default ${fallback})`,
  });

/** An RSA key as a JWK (JSON) or a PEM block; whether it really is a key is checked when it is first used. */
const keyText = (expected: string) =>
  setting({
    schema: z.optional(
      z.string().check(z.regex(/^\s*(\{[\s\S]*\}|-----BEGIN [A-Z ]*KEY-----[\s\S]+-----END [A-Z ]*KEY-----)\s*$/)),
    ),
    expected,
    malformed: "not a key",
    secret: true,
  });

/** An origin (`scheme://host[:port]`, no path), `*`, or an origin with `*` standing for one DNS label. */
const ORIGIN_PATTERN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|(\*|[a-z0-9-]+)(\.(\*|[a-z0-9-]+))*)(:\d{1,5})?)$/i;

/** What Powertools Logger reads from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL): it ignores anything else, silently. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const;
const logLevel = setting({
  // Empty means unset to Powertools too.
  schema: z.optional(z.string().check(z.regex(new RegExp(`^\\s*(${LOG_LEVELS.join("|")})?\\s*$`)))),
  expected: `one of ${LOG_LEVELS.join(", ")}, in capitals (default INFO)`,
  malformed: "not a log level",
});

/** A base for links: an http(s) URL to which `/#kind=token` is appended. */
const appUrl = (expected: string) =>
  setting({
    schema: z.optional(
      z.url({ protocol: /^https?$/ }).check(
        z.superRefine((value, context) => {
          if (/[?#]/.test(value)) {
            context.issues.push({ code: "custom", input: value, message: "has a query or a fragment" });
          }
        }),
      ),
    ),
    expected,
    malformed: "not an http(s) URL",
  });

/**
 * What keeps a name out of a mail's subject and headings: control characters (line breaks among
 * them, which would end a header), invisible format characters, line and paragraph separators.
 */
function productNameProblem(value: string): string | undefined {
  if (/[\p{C}\p{Zl}\p{Zp}]/u.test(value)) return "holds a control or invisible character";
  if (value.trim() === "") return "empty";
  // Characters, not UTF-16 code units: a name in another script counts as it reads.
  if ([...value].length > 64) return "longer than 64 characters";
  return undefined;
}

const SETTINGS = {
  MONGODB_URI: setting({
    schema: z.optional(z.string().check(z.regex(/^mongodb(\+srv)?:\/\/\S+$/))),
    // Worded so that the log scrubber, which masks anything after "mongodb://", leaves it readable.
    expected: 'a connection string whose scheme is "mongodb" or "mongodb+srv"',
    malformed: "not a MongoDB connection string",
    secret: true,
  }),
  MONGODB_MASTER_DB: databaseName("org_master"),
  MONGODB_TENANT_DB: databaseName("org_tenants"),
  /**
   * The deployments tenants are placed across (cells.ts): a JSON list of
   * `{name, uri, database, max_namespaces}`. Unset: one cell, "default", made of MONGODB_URI and
   * MONGODB_TENANT_DB without a budget. Holds connection strings, so it is a secret.
   */
  TENANT_CELLS: setting({
    schema: z.optional(
      z.string().check(
        z.superRefine((value, context) => {
          const problem = tenantCellsProblem(value);
          if (problem) context.issues.push({ code: "custom", input: value, message: problem });
        }),
      ),
    ),
    expected:
      'a JSON list of cells {"name", "uri", "database", "max_namespaces"} with distinct names (default: one cell of MONGODB_URI and MONGODB_TENANT_DB)',
    secret: true,
  }),
  /**
   * How long a tenant's writes stay fenced before its move may verify and switch: longer than any
   * write that read the placement before the fence may still run (the data routes' timeout).
   */
  TENANT_MOVE_DRAIN_SECONDS: wholeNumber(0, 900, 30),
  /** Documents a tenant move copies per batch (and per step it records, to resume from). */
  TENANT_MOVE_BATCH_DOCUMENTS: wholeNumber(1, 100_000, 1_000),
  /** bcrypt work factor: every step doubles the time of a hash and of a login. */
  BCRYPT_COST: wholeNumber(4, 15, 12),
  /** The `iss` of every token and the base of the OIDC discovery document. */
  JWT_ISSUER: setting({
    schema: z._default(z.url({ protocol: /^https?$/ }), "http://127.0.0.1:3000"),
    expected: "an http:// or https:// URL (default: the local server's own)",
    malformed: "not an http(s) URL",
  }),
  JWT_AUDIENCE: setting({
    schema: z._default(z.string().check(z.regex(/^\S+$/)), "org-service"),
    expected: "a non-empty string without spaces (default org-service)",
    malformed: "contains spaces",
  }),
  /** Access-token lifetime: short, since a session's refresh token renews it (15 minutes). */
  JWT_TTL_SECONDS: wholeNumber(60, 86_400, 900),
  /** The longest a session lasts from its login, refreshes or not. */
  SESSION_TTL_DAYS: wholeNumber(1, 365, 30),
  /** A session ends after this many days without a refresh. */
  SESSION_IDLE_DAYS: wholeNumber(1, 365, 7),
  /** Current signing key: an RSA private key as PKCS#8 PEM or as a JWK (JSON). */
  JWT_PRIVATE_KEY: keyText("an RSA private key, a JWK (JSON) or a PKCS#8 PEM"),
  /** The key used before the last rotation (PEM or JWK, private or public): published, never used to sign. */
  JWT_PREVIOUS_KEY: keyText("an RSA key, a JWK (JSON) or a PEM, private or public"),
  /**
   * How old an unfinished operation must be before the reconciler (or the next change of that
   * organization) repairs it: comfortably longer than any request may run, so a live request is
   * never repaired under its feet.
   */
  RECONCILE_GRACE_SECONDS: wholeNumber(0, 86_400, 120),
  /** Failed logins tolerated per email, and per source address, within the window; then 429 until they age out. */
  LOGIN_MAX_FAILURES_PER_EMAIL: wholeNumber(1, 1000, 5),
  LOGIN_MAX_FAILURES_PER_IP: wholeNumber(1, 10_000, 20),
  LOGIN_FAILURE_WINDOW_SECONDS: wholeNumber(1, 86_400, 900),
  /** Pending invitations an organization may have at once; past it, inviting answers 409. */
  MAX_PENDING_INVITATIONS: wholeNumber(1, 10_000, 100),
  /** How long an invitation can be accepted: a week by default. */
  INVITATION_TTL_HOURS: wholeNumber(1, 8_760, 168),
  /** How long a password reset link works: 30 minutes by default. */
  PASSWORD_RESET_TTL_MINUTES: wholeNumber(5, 1_440, 30),
  /** How long a link that verifies an email address, or confirms a change to one, works: a day by default. */
  EMAIL_LINK_TTL_HOURS: wholeNumber(1, 168, 24),
  /**
   * The least time a public request that mails only to a known address (a password reset) takes to
   * answer, sent or not: long enough to cover sending, so that the answer's timing does not tell
   * whether the address has an account.
   */
  MAIL_REQUEST_MIN_MILLISECONDS: wholeNumber(100, 10_000, 500),
  /**
   * Whether an unverified email keeps a user from everything but verifying it: signing in works,
   * every other protected operation answers 403 `email-not-verified`, and inviting waits for it.
   */
  REQUIRE_VERIFIED_EMAIL: offByDefault(),
  /**
   * Whether webhooks may target loopback, private, link-local and metadata addresses, and plain
   * `http`: for local runs and tests only. Off, targets are `https` and public, checked at every
   * delivery after DNS (webhooks/send.ts).
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: offByDefault(),
  /** An endpoint whose every delivery failed for this many days is disabled (an event says so). */
  WEBHOOK_DISABLE_AFTER_DAYS: wholeNumber(1, 90, 5),
  /**
   * The key that seals the client secrets of single sign-on connections (sso/secret-box.ts): 32
   * random bytes in base64url (`openssl rand -base64 32 | tr '+/' '-_' | tr -d '='`). Deployed,
   * a stage secret; unset locally, a key of the process's own (connections saved under it do not
   * survive a restart).
   */
  SSO_ENCRYPTION_KEY: setting({
    schema: z.optional(z.string().check(z.regex(/^\s*[A-Za-z0-9_-]{43}\s*$/))),
    expected: "32 bytes in base64url (43 characters)",
    malformed: "not 32 bytes in base64url",
    secret: true,
  }),
  /**
   * Whether an identity provider may be reached at a loopback, private or link-local address, or
   * over plain `http`: for local runs and tests only (sso/provider-fetch.ts). Off, issuers are
   * `https` and public, checked after DNS at every request.
   */
  SSO_ALLOW_PRIVATE_ISSUERS: offByDefault(),
  /**
   * The stage's EventBridge bus (set by the stack): every event is put on it as well. Unset: none
   * (local runs).
   */
  EVENT_BUS_NAME: setting({
    schema: z.optional(z.string().check(z.regex(/^[\w.\-/]{1,256}$/))),
    expected: "the name of an EventBridge event bus (default none)",
  }),
  /**
   * The stage's S3 bucket for organization archives (set by the stack): exports are written there
   * and downloaded by presigned URL. Unset: EXPORTS_DIR.
   */
  EXPORTS_BUCKET: setting({
    schema: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/))),
    expected: "the name of an S3 bucket (default none: archives stay on this machine)",
  }),
  /**
   * Without EXPORTS_BUCKET, the directory archives are kept in (local runs), served by the local
   * server under signed, expiring links. Unset: a temporary directory removed when the server stops.
   */
  EXPORTS_DIR: setting({
    schema: z.optional(z.string().check(z.minLength(1))),
    expected: "a directory path (default: a temporary directory of the run)",
  }),
  /**
   * The largest tenant document, measured as BSON (what the server stores): larger ones answer 413.
   * Capped well under the 16 MiB BSON limit and so that the request body it allows (6× this) fits
   * Lambda's 6 MB payload.
   */
  TENANT_DOCUMENT_MAX_BYTES: wholeNumber(1_024, 786_432, 65_536),
  /** Documents an organization's collection may hold; a write past it answers 403 quota-exceeded. */
  TENANT_MAX_DOCUMENTS: wholeNumber(1, 100_000_000, 100_000),
  /** Bytes of data (BSON) an organization's collection may hold: 256 MiB by default. */
  TENANT_MAX_DATA_BYTES: wholeNumber(1_024, 1_099_511_627_776, 268_435_456),
  /** Indexes an organization may create on its collection, besides the one on `_id`. */
  TENANT_MAX_INDEXES: wholeNumber(0, 60, 10),
  /**
   * The dashboard's address: the base of every link the service mails (mail/templates.ts). Links
   * are appended to it as a fragment, so a query or a fragment of its own would break them all.
   */
  APP_URL: appUrl(
    "an http:// or https:// URL without a query or fragment, the dashboard's address (default: PUBLIC_URL, else JWT_ISSUER)",
  ),
  /** APP_URL's older name, still read when APP_URL is not set. */
  PUBLIC_URL: appUrl(
    "an http:// or https:// URL without a query or fragment (default: JWT_ISSUER); APP_URL is its newer name",
  ),
  /** What the mail calls the service, in its subjects and its text: one line of printable characters. */
  PRODUCT_NAME: setting({
    schema: z._default(
      z.string().check(
        z.superRefine((value, context) => {
          const problem = productNameProblem(value);
          if (problem) context.issues.push({ code: "custom", input: value, message: problem });
        }),
      ),
      "org-service",
    ),
    expected: "1–64 printable characters, the service's name in its mail (default org-service)",
  }),
  /**
   * Sender of the service's mail: through Amazon SES (an identity verified there), or through
   * SMTP_URL when that is set. Unset with no SMTP_URL: mail goes to the log and the outbox.
   */
  MAIL_FROM: setting({
    schema: z.optional(z.email()),
    expected:
      "an email address: an identity verified in Amazon SES, or the sender with SMTP_URL (default none: mail goes to the log)",
    malformed: "not an email address",
  }),
  /**
   * An SMTP server to send mail through instead of SES (`smtp://` or, with TLS from the start,
   * `smtps://`; user and password in the URL when it needs them). A secret: it may hold a password.
   */
  SMTP_URL: setting({
    schema: z.optional(z.url({ protocol: /^smtps?$/, hostname: /.+/ })),
    expected: "an smtp:// or smtps:// URL, smtp://user:password@host:port (default none)",
    malformed: "not an smtp:// or smtps:// URL",
    secret: true,
  }),
  /**
   * Read by the functions' CORS middleware and, at deploy time, by the API's CORS configuration
   * (packages/functions/src/http/cors.ts); checked here with the rest. An entry with a path or a
   * trailing slash would never equal an `Origin` header, so it is refused rather than ignored.
   */
  CORS_ALLOWED_ORIGINS: setting({
    schema: z.optional(
      z.string().check(
        z.superRefine((value, context) => {
          for (const origin of value.split(",").map((entry) => entry.trim())) {
            if (origin && !ORIGIN_PATTERN.test(origin)) {
              context.issues.push({
                code: "custom",
                input: value,
                message: `${JSON.stringify(origin)} is not an origin`,
              });
            }
          }
        }),
      ),
    ),
    expected: 'comma-separated origins, scheme://host[:port] without a path, "*" or a "*." label (default none)',
  }),
  /**
   * The DNS servers a domain's verification asks (domains/lookup.ts), as `ip[:port]` or
   * `[ipv6]:port`, comma-separated: for tests (a server on a loopback port) and for operators who
   * want their own resolvers. Unset: the system's.
   */
  DNS_SERVERS: setting({
    schema: z.optional(
      z.string().check(
        z.superRefine((value, context) => {
          const problem = dnsServersProblem(value);
          if (problem) context.issues.push({ code: "custom", input: value, message: problem });
        }),
      ),
    ),
    expected: "comma-separated DNS servers, ip, ip:port or [ipv6]:port (default: the system's)",
  }),
  /** The longest a domain's DNS lookup may take, retries included: past it the verification answers 503. */
  DNS_TIMEOUT_MILLISECONDS: wholeNumber(100, 10_000, 3_000),
  /** Read by the logger (packages/functions/src/http/logging.ts), which would ignore a wrong value without a word. */
  POWERTOOLS_LOG_LEVEL: logLevel,
  /** Powertools' fallback, read only when POWERTOOLS_LOG_LEVEL is not set: so checked only then. */
  LOG_LEVEL: logLevel,
  /** Set by the Lambda runtime: there a missing signing key is a deployment error, not a cue to generate one. */
  AWS_LAMBDA_FUNCTION_NAME: setting({ schema: z.optional(z.string()), expected: "set by AWS Lambda" }),
};

type Settings = typeof SETTINGS;

/** A DNS_SERVERS entry as node:dns's `setServers` takes it; undefined for one it would refuse. */
export function parseDnsServer(entry: string): string | undefined {
  const match = entry.match(/^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/) ?? entry.match(/^([0-9.]+)(?::(\d{1,5}))?$/);
  const [, host, port] = match ?? [undefined, entry, undefined];
  if (!host || !isIP(host) || (port !== undefined && (Number(port) < 1 || Number(port) > 65_535))) return undefined;
  if (isIP(host) === 6) return port === undefined ? host : `[${host}]:${port}`;
  return port === undefined ? host : `${host}:${port}`;
}

function dnsServersProblem(value: string): string | undefined {
  const wrong = value.split(",").find((entry) => parseDnsServer(entry.trim()) === undefined);
  return wrong === undefined ? undefined : `${JSON.stringify(wrong.trim())} is not an IP address with an optional port`;
}

const environmentSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, { schema }]) => [name, schema])) as {
    [Name in keyof Settings]: Settings[Name]["schema"];
  },
);

/** The variables the configuration reads, with what each accepts: docs/configuration.md's table, for tools and tests. */
export const CONFIGURATION_VARIABLES: readonly string[] = Object.keys(SETTINGS);

/** The variables that hold secrets: their values never appear in a message. */
export const SECRET_VARIABLES: readonly string[] = Object.entries(SETTINGS)
  .filter(([, definition]) => "secret" in definition && definition.secret)
  .map(([name]) => name);

export interface Config {
  readonly mongodbUri: string | undefined;
  readonly masterDbName: string;
  readonly tenantDbName: string;
  /** Where tenants may be placed, in the order ties are broken; never empty. */
  readonly cells: readonly CellConfig[];
  readonly moves: { readonly drainSeconds: number; readonly batchDocuments: number };
  readonly bcryptCost: number;
  readonly reconcileGraceSeconds: number;
  readonly loginThrottle: { readonly maxPerEmail: number; readonly maxPerIp: number; readonly windowSeconds: number };
  /** The links mailed to users about their own account, and what they require (account/). */
  readonly accounts: {
    readonly passwordResetTtlSeconds: number;
    readonly emailLinkTtlSeconds: number;
    readonly mailRequestMinMs: number;
    readonly requireVerifiedEmail: boolean;
  };
  readonly invitations: {
    readonly maxPending: number;
    readonly ttlHours: number;
    /** Base of accept links, without a trailing slash: `messages.appUrl`, kept under its older name. */
    readonly publicUrl: string;
  };
  /** What every mail the service sends is made of besides its own values (mail/templates.ts). */
  readonly messages: {
    /** The dashboard's address, base of every mailed link, without a trailing slash. */
    readonly appUrl: string;
    /** The service's name in subjects and text. */
    readonly productName: string;
  };
  /**
   * How mail leaves: `outbox` (nowhere: the log and the tests' outbox), `ses` (Amazon SES, when
   * MAIL_FROM is set) or `smtp` (SMTP_URL). Only through `ses` and `smtp` does a message reach a
   * mailbox its reader alone can open, which is what invitations rely on (invitations/invite.ts).
   */
  readonly mail:
    | { readonly transport: "outbox" }
    | { readonly transport: "ses"; readonly from: string }
    | { readonly transport: "smtp"; readonly from: string; readonly url: string };
  readonly sessions: { readonly ttlDays: number; readonly idleDays: number };
  /** The tenant document API's limits, per organization. */
  readonly data: {
    readonly documentMaxBytes: number;
    readonly maxDocuments: number;
    readonly maxDataBytes: number;
    readonly maxIndexes: number;
  };
  /** Events' delivery (events/, webhooks/). */
  readonly events: {
    readonly allowPrivateTargets: boolean;
    readonly disableAfterDays: number;
    readonly busName: string | undefined;
  };
  /** Where organization archives are kept (archives/store.ts): the stage's bucket, else a directory. */
  readonly archives: { readonly bucket: string | undefined; readonly directory: string | undefined };
  readonly sso: { readonly encryptionKey: string | undefined; readonly allowPrivateIssuers: boolean };
  /** How domains' TXT records are looked up (domains/lookup.ts): the servers (undefined: the system's) and the limit. */
  readonly dns: { readonly servers: readonly string[] | undefined; readonly timeoutMs: number };
  readonly jwt: {
    readonly issuer: string;
    readonly audience: string;
    readonly ttlSeconds: number;
    readonly privateKey: string | undefined;
    readonly previousKey: string | undefined;
    readonly mayGenerateKey: boolean;
  };
}

/**
 * The configuration in `env`, or a ConfigurationError listing every wrong variable (its name, what
 * is wrong with its value and what it accepts; the value itself only when it is no secret).
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  // Powertools reads LOG_LEVEL only when POWERTOOLS_LOG_LEVEL is not set; another tool's LOG_LEVEL is none of ours.
  const input = env.POWERTOOLS_LOG_LEVEL?.trim() ? { ...env, LOG_LEVEL: undefined } : env;
  const parsed = z.safeParse(environmentSchema, input);
  if (!parsed.success) throw configurationErrorFrom(parsed.error.issues, input);
  const e = parsed.data;
  return {
    mongodbUri: e.MONGODB_URI,
    masterDbName: e.MONGODB_MASTER_DB,
    tenantDbName: e.MONGODB_TENANT_DB,
    cells: e.TENANT_CELLS
      ? parseTenantCells(e.TENANT_CELLS)
      : [{ name: DEFAULT_CELL, uri: e.MONGODB_URI, database: e.MONGODB_TENANT_DB, maxNamespaces: undefined }],
    moves: { drainSeconds: e.TENANT_MOVE_DRAIN_SECONDS, batchDocuments: e.TENANT_MOVE_BATCH_DOCUMENTS },
    bcryptCost: e.BCRYPT_COST,
    reconcileGraceSeconds: e.RECONCILE_GRACE_SECONDS,
    accounts: {
      passwordResetTtlSeconds: e.PASSWORD_RESET_TTL_MINUTES * 60,
      emailLinkTtlSeconds: e.EMAIL_LINK_TTL_HOURS * 3600,
      mailRequestMinMs: e.MAIL_REQUEST_MIN_MILLISECONDS,
      requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL,
    },
    invitations: {
      maxPending: e.MAX_PENDING_INVITATIONS,
      ttlHours: e.INVITATION_TTL_HOURS,
      publicUrl: appUrlOf(e),
    },
    messages: { appUrl: appUrlOf(e), productName: e.PRODUCT_NAME.trim() },
    mail: e.SMTP_URL
      ? { transport: "smtp", from: e.MAIL_FROM ?? DEFAULT_SMTP_SENDER, url: e.SMTP_URL }
      : e.MAIL_FROM
        ? { transport: "ses", from: e.MAIL_FROM }
        : { transport: "outbox" },
    sessions: { ttlDays: e.SESSION_TTL_DAYS, idleDays: e.SESSION_IDLE_DAYS },
    data: {
      documentMaxBytes: e.TENANT_DOCUMENT_MAX_BYTES,
      maxDocuments: e.TENANT_MAX_DOCUMENTS,
      maxDataBytes: e.TENANT_MAX_DATA_BYTES,
      maxIndexes: e.TENANT_MAX_INDEXES,
    },
    loginThrottle: {
      maxPerEmail: e.LOGIN_MAX_FAILURES_PER_EMAIL,
      maxPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    events: {
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      disableAfterDays: e.WEBHOOK_DISABLE_AFTER_DAYS,
      busName: e.EVENT_BUS_NAME,
    },
    archives: { bucket: e.EXPORTS_BUCKET, directory: e.EXPORTS_DIR },
    sso: { encryptionKey: e.SSO_ENCRYPTION_KEY?.trim(), allowPrivateIssuers: e.SSO_ALLOW_PRIVATE_ISSUERS },
    dns: {
      servers: e.DNS_SERVERS?.split(",").map((entry) => parseDnsServer(entry.trim())!),
      timeoutMs: e.DNS_TIMEOUT_MILLISECONDS,
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

/** APP_URL, else its older name PUBLIC_URL, else the issuer (the API serves the dashboard at `/`). */
const appUrlOf = (e: { APP_URL?: string; PUBLIC_URL?: string; JWT_ISSUER: string }): string =>
  (e.APP_URL ?? e.PUBLIC_URL ?? e.JWT_ISSUER).replace(/\/+$/, "");

/** One issue per variable (its first), worded for the operator. */
function configurationErrorFrom(
  issues: readonly z.core.$ZodIssue[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigurationError {
  const byVariable = new Map<string, ConfigurationIssue>();
  for (const issue of issues) {
    const variable = String(issue.path[0] ?? "");
    if (byVariable.has(variable) || !(variable in SETTINGS)) continue;
    const definition: Setting<z.ZodMiniType> = SETTINGS[variable as keyof Settings];
    const value = env[variable];
    byVariable.set(variable, {
      variable,
      problem: problemOf(issue, value, definition),
      expected: definition.expected,
      ...(!definition.secret && value !== undefined && { value }),
      secret: definition.secret === true,
    });
  }
  return new ConfigurationError([...byVariable.values()]);
}

function problemOf(issue: z.core.$ZodIssue, value: string | undefined, definition: Setting<z.ZodMiniType>): string {
  if (value !== undefined && value.trim() === "") return "empty";
  switch (issue.code) {
    case "too_big":
      return "too large";
    case "too_small":
      return "too small";
    case "custom":
      return issue.message;
    default:
      return definition.malformed ?? "malformed";
  }
}

/** The sender with SMTP_URL and no MAIL_FROM: a local relay accepts it; a real one wants MAIL_FROM set. */
const DEFAULT_SMTP_SENDER = "org-service@localhost";

let cached: Config | undefined;

export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forget the cached configuration, so the next call reads the environment again (local server, tests). */
export function resetConfig(): void {
  cached = undefined;
}
