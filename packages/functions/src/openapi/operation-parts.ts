import type * as z from "zod/mini";
import { alwaysPossible, errors } from "./responses";

/**
 * What the operations of every area (operations.ts and the areas it spreads in) are made of: the
 * security requirements, JSON content, and the errors any protected route may answer.
 */

export const BEARER = "bearer";
/** Security requirements: behind the JWT authorizer, a token optional, or none. */
export type Security = Record<string, string[]>[];
export const protectedRoute: Security = [{ [BEARER]: [] }];
export const optionalToken: Security = [{}, { [BEARER]: [] }];
export const publicRoute: Security = [];

export const json = <T extends z.core.$ZodType>(schema: T) => ({ "application/json": { schema } });
export const jsonBody = <T extends z.core.$ZodType>(schema: T, required = true) => ({
  required,
  content: json(schema),
});

/** What may go wrong on any protected route: no current token, a role without the scope, the database, the rest. */
export const protectedRouteErrors = {
  ...errors.unauthenticated,
  ...errors.scope,
  ...errors.unavailable,
  ...alwaysPossible,
};
