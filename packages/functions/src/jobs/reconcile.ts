import { reconcile } from "@org-service/core";
import { logger } from "../http/logging";
import { job } from "./job";

/**
 * Scheduled (not an HTTP route): finishes or undoes the operations that crashed functions left
 * unfinished. Safe to run while traffic flows and to overlap with itself; see core's reconcile.
 * Logs one line with what it repaired, in the same JSON shape as the HTTP functions.
 */
export const handler = job(async () => {
  const report = await reconcile();
  logger.info("reconciled", { ...report });
  return report;
});
