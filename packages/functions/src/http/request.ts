import {
  authenticate,
  authenticatePlatform,
  parseInput,
  type PlatformActor,
  UnauthenticatedError,
  type AuthenticatedActor,
  type RequestContext,
} from "@org-service/core";
import type * as z from "zod/mini";
import type { HttpEvent } from "./endpoint";

/** Validate the parsed JSON body; any violation (unknown fields included) is a 422 with field paths. */
export function parseBody<T extends z.core.$ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parseInput(schema, event.body);
}

export function parseQuery<T extends z.core.$ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parseInput(schema, event.queryStringParameters ?? {});
}

/** The route's `{name}` path variables, validated like a body (a malformed id is a 422). */
export function parsePath<T extends z.core.$ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parseInput(schema, event.pathParameters ?? {});
}

/** The bearer token of the request, if it sent one. */
export function bearerToken(event: HttpEvent): string | undefined {
  const header = event.headers?.authorization;
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/**
 * The acting member on a protected route. API Gateway's JWT authorizer has verified the token and
 * put its claims in the request context; in depth, the handler verifies the token again itself and
 * checks it is still current (not revoked by a credential change or a delete). Missing claims mean
 * the route is not behind the authorizer, which must fail closed.
 *
 * `readOrganization`: the route goes on to the organization's record (its documents, indexes,
 * collection or usage), so that read runs beside the session's instead of after it.
 */
export async function authenticatedActor(
  event: HttpEvent,
  options: { readonly readOrganization?: boolean } = {},
): Promise<AuthenticatedActor> {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthenticatedError();
  return authenticate(bearerToken(event), claims, new Date(), options);
}

/**
 * The platform client acting on a `/platform/*` route, as {@link authenticatedActor} finds a
 * member: behind the authorizer (missing claims fail closed), the token verified again and its
 * client read (revoked: 401). Any other token — a user's, an organization client's — is a 401.
 */
export async function authenticatedPlatformActor(event: HttpEvent): Promise<PlatformActor> {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthenticatedError();
  return authenticatePlatform(bearerToken(event), claims);
}

/** Who asks, for the audit log, sessions and login throttling: API Gateway's view of the caller. */
export function requestContextOf(event: HttpEvent): RequestContext {
  const userAgent = event.headers?.["user-agent"] ?? event.requestContext.http.userAgent;
  return {
    sourceIp: event.requestContext.http.sourceIp,
    requestId: event.requestContext.requestId,
    ...(userAgent && { userAgent }),
    // Read once: whatever the operation records and compares (created, expires, last used) is
    // one instant, however long its password hashing or its retries take.
    now: new Date(),
  };
}
