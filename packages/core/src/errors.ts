/**
 * Domain failures. Each kind maps to one HTTP status in the functions package; core itself knows
 * nothing of HTTP. Messages are written for the API client: they never carry internals.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `organization_name`; empty for the whole input. */
  readonly path: string;
  readonly message: string;
}

/**
 * Every error class sets `name` as a literal (bundles are minified without keeping class names) and
 * accepts ES2022's `{ cause }`, so the failure behind a domain error is kept for the logs.
 */
export abstract class DomainError extends Error {
  /** Members the problem answered for this error carries besides the standard ones (RFC 9457 extensions). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  abstract readonly kind:
    | "validation"
    | "not-found"
    | "conflict"
    | "gone"
    | "invalid-credentials"
    | "unauthenticated"
    | "forbidden"
    | "too-many-attempts"
    | "too-large"
    | "quota-exceeded"
    | "no-capacity"
    | "tenant-moving"
    | "upstream-unavailable"
    | "email-not-verified"
    | "sso-required"
    | "mfa-enrollment-required"
    | "password-change-required"
    | "organization-suspended";
}

export class ValidationError extends DomainError {
  override readonly name = "ValidationError";
  readonly kind = "validation";
  constructor(
    readonly issues: readonly FieldIssue[],
    options?: ErrorOptions,
  ) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; "), options);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
  readonly kind = "not-found";
}

export class GoneError extends DomainError {
  override readonly name = "GoneError";
  readonly kind = "gone";
}

export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
  readonly kind = "conflict";
  /** What is wrong with the field, for the problem's `errors`. */
  readonly issue: string;

  constructor(
    message: string,
    /** The field whose value is taken, so the client can point at it. */
    readonly field: string,
    options?: ErrorOptions & { readonly issue?: string },
  ) {
    super(message, options);
    this.issue = options?.issue ?? "is already taken";
  }
}

/**
 * A user of several organizations logged in without naming one: the answer lists them (only ever
 * sent once the password checked out), so the client can ask which and log in again.
 */
export class OrganizationChoiceRequiredError extends DomainError {
  override readonly name = "OrganizationChoiceRequiredError";
  readonly kind = "conflict";
  override readonly extensions: { readonly organizations: readonly Record<string, string>[] };

  constructor(
    organizations: readonly { organizationId: string; organizationName: string; role: string }[],
    options?: ErrorOptions,
  ) {
    super("The user belongs to several organizations: give organization_name to choose one.", options);
    this.extensions = {
      organizations: organizations.map((organization) => ({
        organization_id: organization.organizationId,
        organization_name: organization.organizationName,
        role: organization.role,
      })),
    };
  }
}

/** Wrong email or password: deliberately one error for both, so a caller cannot probe for accounts. */
export class InvalidCredentialsError extends DomainError {
  override readonly name = "InvalidCredentialsError";
  readonly kind = "invalid-credentials";
  constructor(options?: ErrorOptions) {
    super("The email or password is incorrect.", options);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = "ForbiddenError";
  readonly kind = "forbidden";
}

/**
 * An OAuth 2.0 token endpoint's refusal (RFC 6749 §5.2): answered as the RFC's JSON error object,
 * not as a problem document — OAuth client libraries read `error`. `invalid_client` is a 401 with
 * `WWW-Authenticate`; `temporarily_unavailable` (past the failure limits) a 429 with Retry-After;
 * the others 400.
 */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly retryAfterSeconds?: number;
  constructor(
    readonly error:
      | "invalid_request"
      | "invalid_client"
      | "invalid_grant"
      | "unsupported_grant_type"
      | "invalid_scope"
      | "unauthorized_client"
      | "temporarily_unavailable",
    description: string,
    options: ErrorOptions & { readonly retryAfterSeconds?: number } = {},
  ) {
    super(description, options);
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The organization is suspended by the platform's operator: nothing of it is served until it is reactivated. */
export class OrganizationSuspendedError extends DomainError {
  override readonly name = "OrganizationSuspendedError";
  readonly kind = "organization-suspended";
  constructor(options?: ErrorOptions) {
    super("The organization is suspended.", options);
  }
}

/** REQUIRE_VERIFIED_EMAIL is on and the caller has not verified their email: only verifying it is allowed. */
export class EmailNotVerifiedError extends DomainError {
  override readonly name = "EmailNotVerifiedError";
  readonly kind = "email-not-verified";
}

/**
 * The caller's organization requires two-factor login and the caller has no TOTP factor yet: their
 * token is for enrolling one (policies/mfa-enrollment.ts), and nothing else is allowed until a
 * refresh after enrolling issues a full one.
 */
export class MfaEnrollmentRequiredError extends DomainError {
  override readonly name = "MfaEnrollmentRequiredError";
  readonly kind = "mfa-enrollment-required";
}

/**
 * A login whose password was right but shorter than the organization's minimum, raised since the
 * password was chosen: no session is opened; a new password (the reset flow) is the way in. Only
 * ever said once the password checked out, so it tells nothing to whoever does not know it.
 */
export class PasswordChangeRequiredError extends DomainError {
  override readonly name = "PasswordChangeRequiredError";
  readonly kind = "password-change-required";
  override readonly extensions: { readonly min_password_length: number };

  constructor(organizationName: string, minimum: number, options?: ErrorOptions) {
    super(
      `The organization "${organizationName}" now requires passwords of at least ${minimum} bytes (one per ASCII character), and yours is shorter: choose a new one with the password reset (POST /auth/password-reset), then log in again.`,
      options,
    );
    this.extensions = { min_password_length: minimum };
  }
}

/**
 * A password login of a user whose email's domain belongs to an organization that enforces single
 * sign-on (sso/enforcement.ts): they sign in through its identity provider. Said only once the
 * password checked out; the organization's name says where to start.
 */
export class SsoRequiredError extends DomainError {
  override readonly name = "SsoRequiredError";
  readonly kind = "sso-required";
  override readonly extensions: { readonly sso_organization: string };

  constructor(organizationName: string, options?: ErrorOptions) {
    super(
      `This account signs in with the single sign-on of the organization "${organizationName}": start at GET /auth/sso/start with its name as organization.`,
      options,
    );
    this.extensions = { sso_organization: organizationName };
  }
}

/** No valid, current access token: missing, forged, expired, or revoked (logout, a credential change, a removal, a delete). */
export class UnauthenticatedError extends DomainError {
  override readonly name = "UnauthenticatedError";
  readonly kind = "unauthenticated";
  constructor(options?: ErrorOptions) {
    super("A valid, current bearer token is required.", options);
  }
}

/**
 * A refresh token, a two-factor login or a code that does not (or no longer) work: unknown,
 * used, revoked or expired, or a wrong code. One answer for all of them (401), worded per case.
 */
export class InvalidGrantError extends DomainError {
  override readonly name = "InvalidGrantError";
  readonly kind = "invalid-credentials";
}

/** The input is larger than the service stores (a tenant document over `TENANT_DOCUMENT_MAX_BYTES`). */
export class TooLargeError extends DomainError {
  override readonly name = "TooLargeError";
  readonly kind = "too-large";
}

/** The write would take the organization past one of its quotas: refused, nothing written. */
export class QuotaExceededError extends DomainError {
  override readonly name = "QuotaExceededError";
  readonly kind = "quota-exceeded";
  override readonly extensions: { readonly quota: string; readonly limit: number };

  constructor(quota: "max_documents" | "max_data_bytes" | "max_indexes", limit: number, options?: ErrorOptions) {
    const what = { max_documents: "documents", max_data_bytes: "bytes of data", max_indexes: "indexes" }[quota];
    super(
      `The organization may hold at most ${limit} ${what}: the write was refused and nothing was written.`,
      options,
    );
    this.extensions = { quota, limit };
  }
}

/** No cell has room for another tenant (or the one a move names has none): nothing was written. */
export class NoCapacityError extends DomainError {
  override readonly name = "NoCapacityError";
  readonly kind = "no-capacity";
}

/**
 * How long a client should wait before writing to a moving tenant again (or renaming or deleting
 * its organization): the `retryAfterSeconds` of the {@link TenantMovingError}s data/ and
 * organizations/ throw.
 */
export const MOVING_RETRY_AFTER_SECONDS = 10;

/**
 * The organization's tenant is moving to another cell or tier: its writes, renames and deletes
 * wait until the move is done (reads keep working).
 */
export class TenantMovingError extends DomainError {
  override readonly name = "TenantMovingError";
  readonly kind = "tenant-moving";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A service outside ours that the operation needs (the DNS, for a domain's verification) failed or
 * did not answer in time: nothing was decided, and the same request may work shortly (503).
 */
export class UpstreamUnavailableError extends DomainError {
  override readonly name = "UpstreamUnavailableError";
  readonly kind = "upstream-unavailable";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Too many failed logins for this email or from this address: refused until the window passes. */
export class TooManyAttemptsError extends DomainError {
  override readonly name = "TooManyAttemptsError";
  readonly kind = "too-many-attempts";
  constructor(
    readonly retryAfterSeconds: number,
    options?: ErrorOptions & { readonly what?: string },
  ) {
    super(`Too many ${options?.what ?? "failed logins"}; try again in ${retryAfterSeconds} seconds.`, options);
  }
}

/** One wrong setting, said so an operator can fix it. */
export interface ConfigurationIssue {
  /** The environment variable. */
  readonly variable: string;
  /** What is wrong with its value: "too large", "empty", "not a whole number". */
  readonly problem: string;
  /** What it accepts: "a whole number from 1 to 10000 (default 20)". */
  readonly expected: string;
  /** The value, unless it is a secret. */
  readonly value?: string;
  readonly secret: boolean;
}

/** `NAME="value": problem; expected …`, a secret's value never shown. */
export function describeConfigurationIssue(issue: ConfigurationIssue): string {
  const value = issue.value === undefined ? "" : JSON.stringify(issue.value);
  const shown = issue.secret
    ? `${issue.variable} (secret, value not shown)`
    : value
      ? `${issue.variable}=${value.length > 80 ? `${value.slice(0, 76)}…"` : value}`
      : issue.variable;
  return `${shown}: ${issue.problem}; expected ${issue.expected}`;
}

/** The deployment is wrong (a missing or malformed setting): the operator's problem, never the client's. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  /** Every wrong variable, when the configuration as a whole was checked (empty for a single finding). */
  readonly issues: readonly ConfigurationIssue[];

  constructor(problem: string | readonly ConfigurationIssue[]) {
    super(
      typeof problem === "string"
        ? problem
        : `Invalid configuration: ${problem.map(describeConfigurationIssue).join("; ")}`,
    );
    this.issues = typeof problem === "string" ? [] : problem;
  }
}
