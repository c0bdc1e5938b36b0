import type { MiddlewareObj } from "@middy/core";
import { config, parseConfig } from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";

/**
 * A wrong setting fails every invocation loudly — a 500 problem ("The service is misconfigured.")
 * and an ERROR line naming the variable, its value only when it is no secret — rather than only
 * the requests that happen to read it, or only some of their steps.
 *
 * Checked in two parts, as a deployed function gets its configuration in two parts:
 * - what the environment holds when the container starts, once, at init (the handler module calls
 *   `httpEndpoint` as it loads); AWS never changes a running container's environment;
 * - the secrets, which `loadDeployedSecrets()` copies from SSM into `process.env` only on the
 *   first invocation: checked with the rest once they are there (`config()`, which keeps a valid
 *   configuration and so checks it once per container). Nothing here reads SSM.
 */
let initialProblem: { readonly error: unknown } | undefined;
let checkedAtInit = false;

/** Checks the environment as it is now, once per container: call it at init. */
export function checkConfigurationAtInit(): void {
  if (checkedAtInit) return;
  checkedAtInit = true;
  try {
    parseConfig(process.env);
  } catch (error) {
    initialProblem = { error };
  }
}

/** Before an invocation reads anything: throws what init found wrong, then checks the secrets loaded since. */
export function assertConfigured(): void {
  if (initialProblem) throw initialProblem.error;
  config();
}

/** For the handler stack, after the secrets are loaded: init's check, then the whole configuration's. */
export function validConfiguration(): MiddlewareObj<HttpEvent, HttpResult> {
  checkConfigurationAtInit();
  return { before: assertConfigured };
}
