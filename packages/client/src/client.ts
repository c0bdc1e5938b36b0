import createFetchClient, { type FetchResponse, type MaybeOptionalInit, type Middleware } from "openapi-fetch";
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from "openapi-typescript-helpers";
import { ProblemError } from "./problem.js";
import type { paths } from "./schema.js";

/** The fetch the client calls; `globalThis.fetch` unless given (a test counts requests through its own). */
export type FetchLike = (request: Request) => Promise<Response>;

/**
 * Where a client's bearer token comes from: a user's {@link Session} or a machine client's
 * {@link ClientCredentials}. Both hand out a token that is valid for a while yet, renewing it first
 * when it is about to expire.
 */
export interface TokenSource {
  accessToken(): Promise<string>;
  /**
   * The API refused `rejected` with 401: a newer token to retry with once, or `undefined` when there
   * is none (the session has ended).
   */
  renewAfterRejection(rejected: string): Promise<string | undefined>;
}

export interface ClientOptions {
  /** The service's URL, e.g. `https://api.example.com` (paths are appended to it). */
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  /** Sends `Authorization: Bearer` on every call that does not set its own. */
  readonly auth?: TokenSource;
}

// openapi-fetch's own helper (not exported by it): the init argument is optional only when nothing in it is required.
type InitParam<Init> =
  RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];

/** A successful call: any refusal is thrown as a {@link ProblemError}, so `data` is always there. */
export type Answer<R> = R extends { data: infer Data; error?: never } ? { data: Data; response: Response } : never;

// openapi-fetch's `ClientMethod`, answering the success branch only. `NonNullable`: a path with the
// method has the operation, which the compiler cannot see through the optional `get?: never` of the others.
type Method<M extends HttpMethod> = <P extends PathsWithMethod<paths, M>, Init extends MaybeOptionalInit<paths[P], M>>(
  url: P,
  ...init: InitParam<Init>
) => Promise<Answer<FetchResponse<NonNullable<paths[P][M]>, Init, MediaType>>>;

/**
 * An openapi-fetch client for the service's paths, typed from the generated schema: paths, path
 * and query parameters and bodies are checked at compile time, and answers are typed per route.
 */
export interface OrgServiceClient {
  GET: Method<"get">;
  POST: Method<"post">;
  PUT: Method<"put">;
  PATCH: Method<"patch">;
  DELETE: Method<"delete">;
  use(...middleware: Middleware[]): void;
  eject(...middleware: Middleware[]): void;
}

/**
 * Turns every refused answer into a thrown {@link ProblemError}, so a caller never has to check a
 * result's `error` branch. openapi-fetch runs the response side of middleware in reverse order of
 * registration: registered first, this runs last, after the bearer token's retry has had its turn.
 */
const problems: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await ProblemError.fromResponse(response);
    return undefined;
  },
};

/**
 * The bearer token on each call, and one retry after a 401 with a renewed token (an access token
 * can expire between being handed out and reaching the service, or be refused after the service
 * rotated its keys). The request is cloned before it is sent because fetch consumes its body.
 */
function bearer(auth: TokenSource): Middleware {
  const sent = new Map<string, { readonly retry: Request; readonly token: string }>();
  return {
    async onRequest({ request, id }) {
      // A call that brings its own credentials keeps them.
      if (request.headers.has("authorization")) return undefined;
      const token = await auth.accessToken();
      request.headers.set("authorization", `Bearer ${token}`);
      sent.set(id, { retry: request.clone(), token });
      return request;
    },
    async onResponse({ response, id, options }) {
      const call = sent.get(id);
      sent.delete(id);
      if (!call || response.status !== 401) return undefined;
      const renewed = await auth.renewAfterRejection(call.token);
      if (renewed === undefined) return undefined;
      // The refused answer is dropped; cancelling its body lets its connection be reused.
      await response.body?.cancel();
      call.retry.headers.set("authorization", `Bearer ${renewed}`);
      // Straight to fetch, not through the middleware again: one retry, never a loop.
      return options.fetch(call.retry);
    },
    onError({ id }) {
      sent.delete(id);
      return undefined;
    },
  };
}

export function createClient(options: ClientOptions): OrgServiceClient {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch && { fetch: options.fetch }),
  });
  client.use(problems);
  if (options.auth) client.use(bearer(options.auth));
  // The same object: only the answers' type is narrowed, which the `problems` middleware makes true.
  return client as unknown as OrgServiceClient;
}
