import { type TestCell, useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, beforeAll, inject } from "vitest";
import { startLocalServer, type LocalServer } from "../../src/server";

/**
 * For a test file: fresh databases and the local server on a free port, started before its tests
 * (after `prepare`, e.g. setting a known signing key) and stopped, databases dropped, after them.
 */
export function useLocalServer(
  options: {
    bcryptCost?: number;
    cells?: readonly TestCell[];
    prepare?: () => Promise<void>;
    /** Run the server's own event delivery (default); a test that drives delivery itself turns it off. */
    dispatchEvents?: boolean;
  } = {},
) {
  const databases = useIsolatedDatabases(inject("mongodbUri"), options);
  let server: LocalServer | undefined;
  beforeAll(async () => {
    await options.prepare?.();
    // The server is the issuer at its own URL, which is only known once it listens.
    delete process.env.JWT_ISSUER;
    server = await startLocalServer({ port: 0, ...(options.dispatchEvents === false && { dispatchEvents: false }) });
  });
  afterAll(async () => {
    await server?.close();
    await databases.drop();
  });
  return {
    url(): string {
      if (!server) throw new Error("the local server is not started yet");
      return server.url;
    },
  };
}
