import { reconcile } from "@org-service/core";
import { loadDeployedSecrets } from "./deployment/secrets";

/**
 * Scheduled (not an HTTP route): finishes or undoes the operations that crashed functions left
 * unfinished. Safe to run while traffic flows and to overlap with itself; see core's reconcile.
 */
export const handler = async () => {
  await loadDeployedSecrets();
  const report = await reconcile();
  console.log(JSON.stringify({ level: "info", message: "reconciled", ...report }));
  return report;
};
