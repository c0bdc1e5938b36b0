import { createClient, type OrgServiceClient, ProblemError, Session, type SessionOptions } from "@org-service/client";
import { expect } from "vitest";

/**
 * The package's typed client against a test's local server. The server's URL is only known once it
 * listens, so these are made inside the tests.
 */
export const anonymousClient = (server: { url(): string }): OrgServiceClient => createClient({ baseUrl: server.url() });

/** A session logged in (no second factor) with these credentials. */
export async function loggedIn(
  server: { url(): string },
  credentials: { email: string; password: string; organizationName?: string },
  options: Omit<SessionOptions, "baseUrl"> = {},
): Promise<Session> {
  const session = new Session({ baseUrl: server.url(), ...options });
  const outcome = await session.login(credentials);
  expect(outcome.mfaRequired).toBe(false);
  return session;
}

/** The ProblemError a call is refused with. */
export async function refusal(call: Promise<unknown>): Promise<ProblemError> {
  const error = await call.then(
    () => expect.fail("expected the call to be refused"),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return error as ProblemError;
}
