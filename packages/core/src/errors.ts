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
  abstract readonly kind:
    | "validation"
    | "not-found"
    | "conflict"
    | "invalid-credentials"
    | "unauthenticated"
    | "forbidden"
    | "too-many-attempts";
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

export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
  readonly kind = "conflict";
  constructor(
    message: string,
    /** The field whose value is taken, so the client can point at it. */
    readonly field: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
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

/** No valid, current access token: missing, forged, expired, or revoked by a credential change or a delete. */
export class UnauthenticatedError extends DomainError {
  override readonly name = "UnauthenticatedError";
  readonly kind = "unauthenticated";
  constructor(options?: ErrorOptions) {
    super("A valid, current bearer token is required.", options);
  }
}

/** Too many failed logins for this email or from this address: refused until the window passes. */
export class TooManyAttemptsError extends DomainError {
  override readonly name = "TooManyAttemptsError";
  readonly kind = "too-many-attempts";
  constructor(
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(`Too many failed logins; try again in ${retryAfterSeconds} seconds.`, options);
  }
}

/** The deployment is wrong (a missing or malformed setting): the operator's problem, never the client's. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}
