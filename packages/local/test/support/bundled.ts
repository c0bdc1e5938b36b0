import path from "node:path";
import { inject } from "vitest";
import { BUNDLED_ENTRIES, type BundledName } from "./bundled-entries";

export { ROOT } from "./bundled-entries";

/**
 * Node's arguments that run an entry from its bundle (`test-bundles.ts`, made once per run):
 * one process, which a SIGKILL ends whole.
 */
export function bundledCommand(name: BundledName, args: readonly string[] = []): string[] {
  return [path.join(inject("testBundles"), `${name}.js`), ...args];
}

/**
 * Node's arguments that run an entry as its script does (`tsx <file>`), with tsx as a loader in
 * the one process, without the tsx CLI's relay process (which would leave its pipe directory in
 * the temp directory).
 */
export function sourceCommand(name: BundledName, args: readonly string[] = []): string[] {
  return ["--import", "tsx", BUNDLED_ENTRIES[name], ...args];
}
