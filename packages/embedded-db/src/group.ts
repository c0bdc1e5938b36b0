import type { EmbeddedDatabase } from "./index";

/**
 * Several databases that start and stop as one (see startEmbeddedDatabases in index.ts).
 *
 * `start` runs `count` times at once. Starts that succeed while another fails are stopped again
 * before the first failure is rethrown, so a failed group leaves no process and no temp dir
 * behind. Each server is registered for emergency cleanup (process-cleanup.ts) on its own, so
 * exits, signals and a SIGKILLed parent take every one of them along, exactly as for one server.
 */

export interface EmbeddedDatabaseGroup {
  /** In start order; `count` of them. */
  readonly servers: readonly EmbeddedDatabase[];
  /** Stops every server (in parallel) and removes their data; rethrows the first failure. Idempotent. */
  stop(): Promise<void>;
}

export async function startGroup(
  count: number,
  start: (index: number) => Promise<EmbeddedDatabase>,
): Promise<EmbeddedDatabaseGroup> {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, index) => start(index)));
  const servers = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = results.find((result) => result.status === "rejected");
  if (failure) {
    await stopAll(servers).catch(() => {}); // the start failure is the one to report
    throw failure.reason;
  }
  return group(servers);
}

export function group(servers: readonly EmbeddedDatabase[]): EmbeddedDatabaseGroup {
  let stopping: Promise<void> | undefined;
  return { servers, stop: () => (stopping ??= stopAll(servers)) };
}

async function stopAll(servers: readonly EmbeddedDatabase[]): Promise<void> {
  const results = await Promise.allSettled(servers.map((server) => server.stop()));
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
}
