/**
 * The tenant mover: one function, outside the HTTP API, invoked directly (`aws lambda invoke`) to
 * move a tenant to another cell or tier, carry a move on, or undo one (the handler documents its
 * event and answer). Bound to the database's secrets only.
 */
import { Function as SstFunction, type FunctionProps, type Stack } from "sst/constructs";
import { JOBS_SOURCE_DIR } from "./functions";
import type { Secrets } from "./secrets";

export const TENANT_MOVER_HANDLER = `${JOBS_SOURCE_DIR}/move-tenant.handler`;
/** Lambda's longest: a large tenant's copy and its drain periods; what does not fit is carried on later. */
export const TENANT_MOVER_TIMEOUT_SECONDS = 900;
/** Batches of documents pass through it, and the verification hashes every document on both sides. */
export const TENANT_MOVER_MEMORY_MB = 1024;

export function addTenantMover(
  stack: Stack,
  options: { secrets: Secrets; defaults: FunctionProps; environment: Record<string, string> },
): SstFunction {
  return new SstFunction(stack, "TenantMover", {
    ...options.defaults,
    handler: TENANT_MOVER_HANDLER,
    memorySize: TENANT_MOVER_MEMORY_MB,
    timeout: TENANT_MOVER_TIMEOUT_SECONDS,
    environment: { ...options.defaults.environment, ...options.environment },
    bind: [options.secrets.MONGODB_URI, options.secrets.TENANT_CELLS],
  });
}
