/**
 * Domain failures. Each kind maps to one HTTP status in the functions package; core itself knows
 * nothing of HTTP. Messages are written for the API client: they never carry internals.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `organization_name`; empty for the whole input. */
  readonly path: string;
  readonly message: string;
}

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
  readonly kind = "validation";
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; "));
  }
}

export class NotFoundError extends DomainError {
  readonly kind = "not-found";
}

export class ConflictError extends DomainError {
  readonly kind = "conflict";
  constructor(
    message: string,
    /** The field whose value is taken, so the client can point at it. */
    readonly field: string,
  ) {
    super(message);
  }
}

/** Wrong email or password: deliberately one error for both, so a caller cannot probe for accounts. */
export class InvalidCredentialsError extends DomainError {
  readonly kind = "invalid-credentials";
  constructor() {
    super("The email or password is incorrect.");
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = "forbidden";
}

/** No valid, current access token: missing, forged, expired, or revoked by a credential change or a delete. */
export class UnauthenticatedError extends DomainError {
  readonly kind = "unauthenticated";
  constructor() {
    super("A valid, current bearer token is required.");
  }
}

/** Too many failed logins for this email or from this address: refused until the window passes. */
export class TooManyAttemptsError extends DomainError {
  readonly kind = "too-many-attempts";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed logins; try again in ${retryAfterSeconds} seconds.`);
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
