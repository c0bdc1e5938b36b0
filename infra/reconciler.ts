/**
 * The reconciler on a schedule: one function, outside the HTTP API, that repairs operations a
 * crashed function left unfinished (core's `reconcile`). Bound to the database's secrets only.
 */
import { Cron, type Stack } from "sst/constructs";
import type { FunctionProps } from "sst/constructs";
import { JOBS_SOURCE_DIR } from "./functions";
import type { Secrets } from "./secrets";

/** Often enough that an interrupted change is repaired within minutes of its grace period. */
export const RECONCILE_SCHEDULE = "rate(5 minutes)";
export const RECONCILER_HANDLER = `${JOBS_SOURCE_DIR}/reconcile.handler`;
/** Walks every unfinished operation; a long backlog after an outage must still fit. */
export const RECONCILER_TIMEOUT_SECONDS = 120;

export function addReconciler(
  stack: Stack,
  options: { secrets: Secrets; defaults: FunctionProps; environment: Record<string, string> },
): Cron {
  return new Cron(stack, "Reconciler", {
    schedule: RECONCILE_SCHEDULE,
    job: {
      function: {
        ...options.defaults,
        handler: RECONCILER_HANDLER,
        memorySize: 512,
        timeout: RECONCILER_TIMEOUT_SECONDS,
        environment: { ...options.defaults.environment, ...options.environment },
        bind: [options.secrets.MONGODB_URI, options.secrets.TENANT_CELLS],
      },
    },
  });
}
