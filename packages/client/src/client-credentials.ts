import { createClient, type FetchLike, type OrgServiceClient, type TokenSource } from "./client.js";
import { SingleFlight } from "./single-flight.js";

export interface ClientCredentialsOptions {
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scopes to ask for; the client's own scopes when absent. */
  readonly scope?: string | readonly string[];
  /** How long before expiry a new token is fetched (default 30 s). */
  readonly refreshMarginSeconds?: number;
  readonly now?: () => number;
}

interface MachineToken {
  readonly value: string;
  readonly expiresAt: number;
  readonly scope: string;
}

/**
 * RFC 6749 §2.3.1: the id and the secret are each form-encoded before being joined and base64'd,
 * so a `:` or a non-ASCII character in either survives the trip.
 */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/**
 * A machine client's tokens from the client credentials grant (POST /oauth/token), authenticated
 * with HTTP Basic (`client_secret_basic`, which keeps the secret out of bodies that might be
 * logged). There is no refresh token in this grant: a new token is asked for when the current one
 * is about to expire, or after the API refused it.
 */
export class ClientCredentials implements TokenSource {
  readonly #tokenEndpoint: OrgServiceClient;
  readonly #options: ClientCredentialsOptions;
  readonly #marginMs: number;
  readonly #now: () => number;
  #token: MachineToken | undefined;
  readonly #request = new SingleFlight(() => this.#grant());

  constructor(options: ClientCredentialsOptions) {
    this.#options = options;
    this.#tokenEndpoint = createClient({ baseUrl: options.baseUrl, ...(options.fetch && { fetch: options.fetch }) });
    this.#marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The scopes granted, space-separated, once a token was issued. */
  get scope(): string | undefined {
    return this.#token?.scope;
  }

  async accessToken(): Promise<string> {
    const token = this.#token;
    if (token && this.#now() < token.expiresAt - this.#marginMs) return token.value;
    return (await this.#request.run()).value;
  }

  async renewAfterRejection(rejected: string): Promise<string | undefined> {
    const token = this.#token;
    if (token && token.value !== rejected) return token.value;
    // A refusal of the token endpoint itself (the client revoked, its secret deleted) is thrown:
    // it says more than the call's 401.
    return (await this.#request.run()).value;
  }

  async #grant(): Promise<MachineToken> {
    const { scope } = this.#options;
    const { data } = await this.#tokenEndpoint.POST("/oauth/token", {
      body: {
        grant_type: "client_credentials",
        ...(scope !== undefined && { scope: typeof scope === "string" ? scope : scope.join(" ") }),
      },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basicAuthorization(this.#options.clientId, this.#options.clientSecret),
      },
    });
    this.#token = { value: data.access_token, expiresAt: this.#now() + data.expires_in * 1000, scope: data.scope };
    return this.#token;
  }
}

/** A token source for a machine client: `createClient({ baseUrl, auth: clientCredentials({...}) })`. */
export function clientCredentials(options: ClientCredentialsOptions): ClientCredentials {
  return new ClientCredentials(options);
}
