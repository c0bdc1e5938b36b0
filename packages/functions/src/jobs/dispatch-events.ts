import { dispatchEvents } from "@org-service/core";
import { logger } from "../http/logging";
import { job } from "./job";

/**
 * Delivers events (not an HTTP route): started by every function that appended some (see
 * deployment/start-dispatcher.ts), so a change reaches its receivers within a second, and on a
 * schedule, which catches retries that fell due and whatever a crash left. Passes may overlap:
 * core's dispatcher claims each attempt under a unique key.
 */
export const handler = job(async () => {
  const report = await dispatchEvents();
  if (report.eventsFannedOut > 0 || report.delivered > 0 || report.failedAttempts > 0) {
    logger.info("events dispatched", { ...report });
  }
  return report;
});
