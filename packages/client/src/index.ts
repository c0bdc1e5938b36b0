/**
 * A typed client for org-service: the generated schema's types (`paths`, `components`), an
 * openapi-fetch client that throws refusals as {@link ProblemError}, a user's {@link Session}, a
 * machine client's {@link clientCredentials} and async iterators over the paged lists.
 */
export {
  type Answer,
  type ClientOptions,
  createClient,
  type FetchLike,
  type OrgServiceClient,
  type TokenSource,
} from "./client.js";
export { ClientCredentials, type ClientCredentialsOptions, clientCredentials } from "./client-credentials.js";
export { type Page, type PageInit, type PageItem, type PagedPath, pagedLists, pages, paginate } from "./paginate.js";
export { type OAuthErrorObject, type Problem, ProblemError } from "./problem.js";
import type { components } from "./schema.js";
export type { components, operations, paths, webhooks } from "./schema.js";
export {
  type Credentials,
  type LoggedIn,
  type LoginOutcome,
  type SecondFactor,
  Session,
  type SessionOptions,
  type SessionTokens,
} from "./session.js";

/** The service's named schemas (`Schemas["Member"]`, `Schemas["Problem"]`...). */
export type Schemas = components["schemas"];
