import { randomBytes } from "node:crypto";
import { closeDatabase, database } from "./db/client";
import { config, resetConfig } from "./config";
import { cellDatabase } from "./cells/clients";
import { isSiloOf } from "./cells/placement";
import { resetSigningKeys } from "./auth/keys";
import type { RequestContext } from "./context";
import { type LoginInput, type LoginResult, login } from "./organizations/login";
import { type InviteInput, type IssuedInvitation, inviteMember } from "./invitations/invite";
import type { Actor } from "./organizations/model";

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
// A DNS server on a loopback port answering TXT queries from a table: point DNS_SERVERS at its `address`.
export { startTestDnsServer, type TestDnsServer, type DnsFault } from "../test/support/dns-server";
import { sentMail as outbox } from "./mail/mailer";

/**
 * The token of the newest link of `kind` (`#reset=…`, `#verify=…`, `#confirm-email=…`) the outbox
 * holds for `to`: what the recipient would follow.
 */
export function mailedToken(to: string, kind: "reset" | "verify" | "confirm-email" | "invitation"): string {
  const pattern = new RegExp(`#${kind}=([\\w%-]+)`);
  for (const message of [...outbox()].reverse()) {
    const token = message.to === to ? message.text.match(pattern)?.[1] : undefined;
    if (token) return decodeURIComponent(token);
  }
  throw new Error(`no ${kind} link was mailed to ${to}`);
}
export { totpCode } from "./mfa/codes";
export { useProviderNetwork, type ProviderNetwork } from "./sso/provider-fetch";

/** A login of a user without two-factor login: its session (throws if the answer is the code step). */
export async function loginWithPassword(input: LoginInput, context?: RequestContext): Promise<LoginResult> {
  const result = await login(input, context);
  if ("mfaRequired" in result) throw new Error("the login asks for a second factor");
  return result;
}

/**
 * An invitation whose token the inviter is shown, as everywhere no mail transport is configured
 * (tests): throws if the answer holds none.
 */
export async function inviteShown(
  actor: Actor,
  input: InviteInput,
  context?: RequestContext,
): Promise<IssuedInvitation & { readonly token: string; readonly acceptUrl: string }> {
  const invitation = await inviteMember(actor, input, context);
  const { token, acceptUrl } = invitation;
  if (token === undefined || acceptUrl === undefined) throw new Error("the invitation's token was not shown");
  return { ...invitation, token, acceptUrl };
}

/** A cell of a test: a server, and the namespaces it may hold. */
export interface TestCell {
  readonly name: string;
  readonly uri: string;
  readonly maxNamespaces: number;
}

/**
 * Two cells on one server, each its own pool database: a create goes to cell-a (the more room), so
 * a move has cell-b to go to.
 */
export function twoCellsOn(uri: string): TestCell[] {
  return [
    { name: "cell-a", uri, maxNamespaces: 1_000 },
    { name: "cell-b", uri, maxNamespaces: 100 },
  ];
}

/**
 * Point the service at fresh, uniquely named master and tenant databases on a real server, so test
 * files running in parallel never see each other's data, and drop them after. With `cells`, tenants
 * are placed across those (TENANT_CELLS), each with a pool database of this test's own.
 */
export function useIsolatedDatabases(uri: string, options: { bcryptCost?: number; cells?: readonly TestCell[] } = {}) {
  const suffix = randomBytes(4).toString("hex");
  process.env.MONGODB_URI = uri;
  process.env.MONGODB_MASTER_DB = `test_${suffix}_master`;
  process.env.MONGODB_TENANT_DB = `test_${suffix}_tenants`;
  if (options.cells) {
    process.env.TENANT_CELLS = JSON.stringify(
      options.cells.map((cell) => ({
        name: cell.name,
        uri: cell.uri,
        database: `test_${suffix}_${cell.name.replace(/-/g, "_")}`,
        max_namespaces: cell.maxNamespaces,
      })),
    );
  } else delete process.env.TENANT_CELLS;
  // The lowest cost bcrypt allows: tests check behaviour, the benchmark measures the real cost.
  process.env.BCRYPT_COST = String(options.bcryptCost ?? 4);
  resetConfig();
  resetSigningKeys();

  return {
    async drop(): Promise<void> {
      const db = await database();
      await Promise.all([db.master.dropDatabase(), db.tenants.dropDatabase(), dropCellDatabases()]);
      await closeDatabase();
    },
  };
}

/** Every cell's pool database and its silos. */
async function dropCellDatabases(): Promise<void> {
  for (const cell of config().cells) {
    const { databases } = await (await cellDatabase(cell.name, "admin")).admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (name === cell.database || isSiloOf(cell.database, name))
        await (await cellDatabase(cell.name, name)).dropDatabase();
    }
  }
}
