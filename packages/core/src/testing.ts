import { randomBytes } from "node:crypto";
import { closeDatabase, database } from "./db/client";
import { resetConfig } from "./config";
import { resetSigningKeys } from "./auth/keys";
import type { RequestContext } from "./context";
import { type LoginInput, type LoginResult, login } from "./organizations/login";

/**
 * What tests need beyond core's public surface: the database handle to seed and inspect, resets of
 * per-container state, and the fault controls the crash tests arm (checkpoints.ts). Not for
 * production code.
 */
export { database, type Database } from "./db/client";
export { resetSigningKeys } from "./auth/keys";
export { injectFault, clearFaults, type Fault } from "./checkpoints";
export { createLogger } from "./logger";
export { captureLogLines, type LogCapture } from "./log-capture";
export { sentMail } from "./mail/mailer";
export { totpCode } from "./mfa/codes";

/** A login of a user without two-factor login: its session (throws if the answer is the code step). */
export async function loginWithPassword(input: LoginInput, context?: RequestContext): Promise<LoginResult> {
  const result = await login(input, context);
  if ("mfaRequired" in result) throw new Error("the login asks for a second factor");
  return result;
}

/**
 * Point the service at fresh, uniquely named master and tenant databases on a real server, so test
 * files running in parallel never see each other's data, and drop them after.
 */
export function useIsolatedDatabases(uri: string, options: { bcryptCost?: number } = {}) {
  const suffix = randomBytes(4).toString("hex");
  process.env.MONGODB_URI = uri;
  process.env.MONGODB_MASTER_DB = `test_${suffix}_master`;
  process.env.MONGODB_TENANT_DB = `test_${suffix}_tenants`;
  // The lowest cost bcrypt allows: tests check behaviour, the benchmark measures the real cost.
  process.env.BCRYPT_COST = String(options.bcryptCost ?? 4);
  resetConfig();
  resetSigningKeys();

  return {
    async drop(): Promise<void> {
      const db = await database();
      await Promise.all([db.master.dropDatabase(), db.tenants.dropDatabase()]);
      await closeDatabase();
    },
  };
}
