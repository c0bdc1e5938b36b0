import path from "node:path";

/** What the tests start as processes, by name: the command-line entry points, and the server. */
export const BUNDLED_ENTRIES = {
  "tenants-command": "packages/local/src/tenants-command.ts",
  "platform-command": "packages/local/src/platform-command.ts",
  "reconcile-command": "packages/local/src/reconcile-command.ts",
  "move-until-checkpoint": "packages/local/test/fixtures/move-until-checkpoint.ts",
  server: "packages/local/test/fixtures/bundled-server.ts",
} as const;

export type BundledName = keyof typeof BUNDLED_ENTRIES;

/** The handlers' sources, each bundled to `handlers/<name>.js` beside the server. */
export const HANDLERS = "packages/functions/src/handlers";

/** The project's root: where the scripts run, and the entries' paths start. */
export const ROOT = path.resolve(import.meta.dirname, "../../../..");
