import { type ClientOptions, createClient, type FetchLike, type OrgServiceClient, type TokenSource } from "./client.js";
import { ProblemError } from "./problem.js";
import type { components } from "./schema.js";
import { SingleFlight } from "./single-flight.js";

type LoginAnswer = components["schemas"]["LoginResult"];
type SessionTokenAnswer = components["schemas"]["SessionTokens"];

/** What a session holds; `onTokens` hands it out to be kept (e.g. across page loads) and `tokens` takes it back. */
export interface SessionTokens {
  readonly accessToken: string;
  /** Epoch milliseconds, by this machine's clock. */
  readonly accessExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshExpiresAt: number;
  readonly sessionId: string;
}

/** The user the login opened a session for. */
export interface LoggedIn {
  readonly sessionId: string;
  readonly userId: string;
  readonly role: LoginAnswer["role"];
  readonly organizationId: string;
  readonly organizationName: string;
  /** The organization requires two-factor login and the user has none: the token only enrolls one. */
  readonly mfaEnrollmentRequired: boolean;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
  /** Needed when the user belongs to several organizations (the service answers 409 otherwise). */
  readonly organizationName?: string;
}

/** The second step's input: the authenticator's current code, or one of the recovery codes. */
export type SecondFactor = string | { readonly recoveryCode: string };

export type LoginOutcome =
  | { readonly mfaRequired: false; readonly user: LoggedIn }
  | {
      readonly mfaRequired: true;
      /** Seconds the service waits for the code. */
      readonly expiresIn: number;
      /** Completes the login (POST /auth/mfa); the step is single-use. */
      complete(secondFactor: SecondFactor): Promise<LoggedIn>;
    };

export interface SessionOptions {
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  /**
   * How long before the access token's expiry it is renewed (default 30 s): enough for a call to
   * reach the service with it, with some clock drift, before it expires.
   */
  readonly refreshMarginSeconds?: number;
  /** The clock, in epoch milliseconds. */
  readonly now?: () => number;
  /** Tokens kept from an earlier session (see `onTokens`). */
  readonly tokens?: SessionTokens;
  /**
   * Called with the new tokens after every login and refresh, and with `undefined` once the session
   * has ended. The refresh token changes at every refresh and the previous one must never be
   * presented again, so whoever keeps them must keep the latest.
   */
  readonly onTokens?: (tokens: SessionTokens | undefined) => void;
}

/**
 * A user's session: logs in (with the code step of two-factor login), hands out an access token
 * that it refreshes shortly before expiry, and logs out. `client` is an API client authenticated by
 * it; `createClient({ baseUrl, auth: session })` makes more.
 *
 * Refreshing is lazy, when a token is asked for, rather than on a timer: a timer would keep a
 * process alive and refresh sessions nobody uses any more.
 */
export class Session implements TokenSource {
  readonly client: OrgServiceClient;
  /** Login, the code step and refresh carry no bearer token: they are made without the session. */
  readonly #anonymous: OrgServiceClient;
  readonly #marginMs: number;
  readonly #now: () => number;
  readonly #onTokens: SessionOptions["onTokens"];
  #tokens: SessionTokens | undefined;
  readonly #refresh = new SingleFlight(() => this.#rotate());

  constructor(options: SessionOptions) {
    const clientOptions: ClientOptions = { baseUrl: options.baseUrl, ...(options.fetch && { fetch: options.fetch }) };
    this.#anonymous = createClient(clientOptions);
    this.client = createClient({ ...clientOptions, auth: this });
    this.#marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
    this.#now = options.now ?? Date.now;
    this.#onTokens = options.onTokens;
    this.#tokens = options.tokens;
  }

  /** The current tokens, or `undefined` when not logged in. */
  get tokens(): SessionTokens | undefined {
    return this.#tokens;
  }

  async login(credentials: Credentials): Promise<LoginOutcome> {
    const { data } = await this.#anonymous.POST("/admin/login", {
      body: {
        email: credentials.email,
        password: credentials.password,
        ...(credentials.organizationName !== undefined && { organization_name: credentials.organizationName }),
      },
    });
    if ("mfa_required" in data) {
      const mfaToken = data.mfa_token;
      return {
        mfaRequired: true,
        expiresIn: data.expires_in,
        complete: async (secondFactor) => {
          const { data: opened } = await this.#anonymous.POST("/auth/mfa", {
            body:
              typeof secondFactor === "string"
                ? { mfa_token: mfaToken, code: secondFactor }
                : { mfa_token: mfaToken, recovery_code: secondFactor.recoveryCode },
          });
          return this.#open(opened);
        },
      };
    }
    return { mfaRequired: false, user: this.#open(data) };
  }

  async accessToken(): Promise<string> {
    // A refresh under way replaces the token: waiting for it avoids sending one about to be replaced.
    await this.#refresh.running?.catch(() => undefined);
    const tokens = this.#current();
    if (this.#now() < tokens.accessExpiresAt - this.#marginMs) return tokens.accessToken;
    await this.#refresh.run();
    return this.#current().accessToken;
  }

  async renewAfterRejection(rejected: string): Promise<string | undefined> {
    const tokens = this.#tokens;
    if (!tokens) return undefined;
    // Another call already refreshed after being refused too: the new token is the answer for both.
    if (tokens.accessToken !== rejected) return tokens.accessToken;
    try {
      await this.#refresh.run();
    } catch (error) {
      // The refresh was refused: the session has ended, and the call's own 401 is the answer.
      if (error instanceof ProblemError && error.status === 401) return undefined;
      throw error;
    }
    return this.#tokens?.accessToken;
  }

  /** Exchanges the refresh token for the next pair now; concurrent callers share one exchange. */
  refresh(): Promise<void> {
    return this.#refresh.run();
  }

  /**
   * Ends the session at the service (POST /auth/logout) and forgets its tokens. A 401 means it had
   * already ended. On any other failure the tokens are kept, so that logging out can be retried:
   * forgetting them would leave the session open at the service with nobody able to end it.
   */
  async logout(): Promise<void> {
    if (!this.#tokens) return;
    try {
      await this.client.POST("/auth/logout");
    } catch (error) {
      if (!(error instanceof ProblemError && error.status === 401)) throw error;
    }
    this.#set(undefined);
  }

  #current(): SessionTokens {
    if (!this.#tokens) throw new Error("The session is not logged in (or has ended): log in first.");
    return this.#tokens;
  }

  async #rotate(): Promise<void> {
    const presented = this.#current();
    try {
      const { data } = await this.#anonymous.POST("/auth/refresh", { body: { refresh_token: presented.refreshToken } });
      // A logout or another login while the exchange was under way decides what the session holds.
      if (this.#tokens === presented) this.#set(this.#tokensOf(data));
    } catch (error) {
      // The refresh token is spent, revoked or expired: the session is over. Forgetting it makes sure
      // it is never presented again. Any other failure keeps it: the exchange may not have reached
      // the service, and the next call tries again.
      if (error instanceof ProblemError && error.status === 401 && this.#tokens === presented) this.#set(undefined);
      throw error;
    }
  }

  #open(answer: LoginAnswer): LoggedIn {
    this.#set(this.#tokensOf(answer));
    return {
      sessionId: answer.session_id,
      userId: answer.user_id,
      role: answer.role,
      organizationId: answer.organization_id,
      organizationName: answer.organization_name,
      mfaEnrollmentRequired: answer.mfa_enrollment_required === true,
    };
  }

  /** Expiries from the relative `expires_in`, by this machine's clock: the token's `exp` would need the clocks to agree. */
  #tokensOf(answer: SessionTokenAnswer): SessionTokens {
    const now = this.#now();
    return {
      accessToken: answer.access_token,
      accessExpiresAt: now + answer.expires_in * 1000,
      refreshToken: answer.refresh_token,
      refreshExpiresAt: now + answer.refresh_expires_in * 1000,
      sessionId: answer.session_id,
    };
  }

  #set(tokens: SessionTokens | undefined): void {
    this.#tokens = tokens;
    this.#onTokens?.(tokens);
  }
}
