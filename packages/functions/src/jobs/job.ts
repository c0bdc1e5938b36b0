import type { Context } from "aws-lambda";
import { loadDeployedSecrets } from "../deployment/secrets";
import { startDispatcherOnAppend } from "../deployment/start-dispatcher";
import { assertConfigured, checkConfigurationAtInit } from "../http/configuration";
import { logUnexpectedError } from "../http/logging";

// The environment the container started with, checked once at init (see http/configuration.ts).
checkConfigurationAtInit();
// A job that appends events (the reconciler's repairs, a move) starts their delivery.
startDispatcherOnAppend();

/**
 * A job: a function that is no HTTP route (the scheduled reconciler, the tenant mover invoked
 * directly). What every job does around its work: the deployed secrets loaded and the
 * configuration checked first; anything it throws logged as the HTTP functions log their
 * unexpected failures (scrubbed, the stack mapped to the sources), then rethrown, so that the
 * invocation counts as failed (and a scheduled one is retried). A refusal a job answers is its own
 * to return.
 */
export function job<E, R>(run: (event: E, context: Context) => Promise<R>) {
  // Both optional: a scheduled invocation's event says nothing the reconciler reads.
  return async (event?: E, context?: Context): Promise<R> => {
    try {
      await loadDeployedSecrets();
      assertConfigured();
      return await run(event as E, context as Context);
    } catch (error) {
      await logUnexpectedError(error);
      throw error;
    }
  };
}
