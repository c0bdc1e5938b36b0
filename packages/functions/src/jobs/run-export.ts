import { runExport } from "@org-service/core";
import { job } from "./job";

/**
 * Writes one export's archive to the stage's bucket (not an HTTP route): started, asynchronously,
 * by the function that answered `POST …/exports` (deployment/start-export.ts). Its heartbeat is
 * renewed at every batch; if it dies, the reconciler fails the export so that another may start.
 */
export const handler = job(async (event: { readonly export_id?: unknown }) => {
  if (typeof event?.export_id !== "string") throw new Error("The export function was invoked without an export_id.");
  await runExport(event.export_id);
});
