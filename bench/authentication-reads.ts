/**
 * `pnpm exec tsx bench/authentication-reads.ts`: the revocation check of `pnpm bench` (section 2)
 * alone, in seconds: the database commands one authenticated request sends and its latency, beside
 * the read of the membership by `_id` that the check made before sessions.
 */
// First: the log level, before core's logger is made (lib/log-level.ts says why).
import "./lib/log-level";
import { closeDatabase } from "../packages/core/src/index";
import { startEmbeddedDatabase } from "../packages/embedded-db/src/index";
import { measureAuthenticationReads } from "./lib/authentication-reads";
import { ms, percentile } from "./lib/common";

const database = await startEmbeddedDatabase({ log: () => undefined });
try {
  const suffix = Date.now().toString(36);
  const reads = await measureAuthenticationReads(
    database.uri,
    { label: "authentication reads", masterDb: `auth_${suffix}_master`, tenantDb: `auth_${suffix}_tenants` },
    4,
    400,
  );
  console.log(`database: ${database.description}`);
  console.log(`commands per authenticated request: ${reads.commands.length} (${reads.commands.join("; ")})`);
  console.log(
    `whole check, p50: ${ms(percentile(reads.samples, 50))} (${reads.samples.length} runs, signature included)`,
  );
  console.log(`the membership read by _id it replaced, p50: ${ms(percentile(reads.membershipReadSamples, 50))}`);
} finally {
  await closeDatabase();
  await database.stop();
}
