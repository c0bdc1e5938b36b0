import { reconcile } from "@org-service/core";
import { loadDeployedSecrets } from "./deployment/secrets";
import { logger } from "./http/logging";

/**
 * Scheduled (not an HTTP route): finishes or undoes the operations that crashed functions left
 * unfinished. Safe to run while traffic flows and to overlap with itself; see core's reconcile.
 * Logs one line with what it repaired, in the same JSON shape as the HTTP functions.
 */
export const handler = async () => {
  await loadDeployedSecrets();
  const report = await reconcile();
  logger.info("reconciled", { ...report });
  return report;
};
