/**
 * What the runtime does with a started export. Free of imports, so that every function may set it
 * (deployment/start-export.ts) without bundling what exports need.
 */
export type ExportListener = (exportId: string) => Promise<void>;

let listener: ExportListener | undefined;

/** Set by a deployed function: exports run in the export function, not in the one that answered. */
export function onExportRequested(next: ExportListener | undefined): void {
  listener = next;
}

/** The listener set, if any; none: the export runs in this process. */
export function exportListener(): ExportListener | undefined {
  return listener;
}
