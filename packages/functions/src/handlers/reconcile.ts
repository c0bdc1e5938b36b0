import { reconcile } from "@org-service/core";
import { loadDeployedSecrets } from "../deployment/secrets";
import { assertConfigured, checkConfigurationAtInit } from "../http/configuration";
import { logger, logUnexpectedError } from "../http/logging";

// The environment the container started with, checked once at init (see http/configuration.ts).
checkConfigurationAtInit();

/**
 * Scheduled (not an HTTP route): finishes or undoes the operations that crashed functions left
 * unfinished. Safe to run while traffic flows and to overlap with itself; see core's reconcile.
 * Logs one line with what it repaired, in the same JSON shape as the HTTP functions.
 */
export const handler = async () => {
  try {
    await loadDeployedSecrets();
    assertConfigured();
    const report = await reconcile();
    logger.info("reconciled", { ...report });
    return report;
  } catch (error) {
    // Logged like the HTTP functions' failures (scrubbed, the stack mapped to the sources), then
    // rethrown so that the invocation still counts as failed and is retried.
    await logUnexpectedError(error);
    throw error;
  }
};
