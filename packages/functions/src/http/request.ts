import { parseInput, type Actor } from "@org-service/core";
import type { z } from "zod";
import type { HttpEvent } from "./handler";
import { HttpProblem } from "./problem";

/** Validate the parsed JSON body; any violation (unknown fields included) is a 422 with field paths. */
export function parseBody<T extends z.ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parseInput(schema, event.body);
}

export function parseQuery<T extends z.ZodType>(schema: T, event: HttpEvent): z.output<T> {
  return parseInput(schema, event.queryStringParameters ?? {});
}

/** The bearer token of the request, if it sent one. */
export function bearerToken(event: HttpEvent): string | undefined {
  const header = event.headers?.authorization;
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/**
 * On a protected route API Gateway's JWT authorizer has already verified the token and put its
 * claims in the request context; here they only become the acting admin. Missing claims mean
 * the route is not behind the authorizer, which must fail closed.
 */
export function actorFrom(event: HttpEvent): Actor {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  const adminId = claims?.sub;
  const organizationId = claims?.org;
  if (typeof adminId !== "string" || typeof organizationId !== "string" || !adminId || !organizationId) {
    throw new HttpProblem(401, "unauthorized", "Unauthorized", "A valid bearer token is required.", {
      "www-authenticate": 'Bearer error="invalid_token"',
    });
  }
  return { adminId, organizationId };
}
