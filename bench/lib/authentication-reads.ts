/**
 * What every authenticated request costs the database for its revocation checks (session,
 * membership role and grant, credentials version, expiry): the commands `authenticate()` sends,
 * counted with the driver's command monitoring, and its latency, on the service's own client —
 * beside the check of the version before sessions, one read of the membership by `_id`, timed
 * alone on the same client and data.
 */
import { authenticate, createOrganization } from "../../packages/core/src/index";
import { database, loginWithPassword } from "../../packages/core/src/testing";
import { log, percentile } from "./common";
import { type DataSet, useDataSet } from "./service";

export interface AuthenticationReads {
  /** The commands one authentication sent, as `command collection filter-keys`. */
  readonly commands: readonly string[];
  /** Milliseconds per authentication (signature and the session read). */
  readonly samples: readonly number[];
  /** Milliseconds per read of the membership by `_id` (what the check before sessions read). */
  readonly membershipReadSamples: readonly number[];
}

export async function measureAuthenticationReads(
  uri: string,
  dataSet: DataSet,
  bcryptCost: number,
  runs: number,
): Promise<AuthenticationReads> {
  log("reads per authenticated request");
  const monitored = `${uri}${uri.includes("?") ? "&" : "?"}monitorCommands=true`;
  await useDataSet(monitored, dataSet, bcryptCost);
  const email = `auth-reads-${Date.now()}@bench.example`;
  const organization = await createOrganization({
    organizationName: `Auth Reads ${Date.now()}`,
    email,
    password: "bench-password-123",
  });
  const { accessToken } = await loginWithPassword({ email, password: "bench-password-123" });

  const db = await database();
  let commands: string[] = [];
  const record = (event: { commandName: string; command: Record<string, unknown> }) => {
    const name = event.commandName;
    const filter = (event.command.filter ?? {}) as Record<string, unknown>;
    commands.push(`${name} ${String(event.command[name])} {${Object.keys(filter).join(", ")}}`);
  };
  db.client.on("commandStarted", record);
  const samples: number[] = [];
  let perRequest: string[] = [];
  for (let i = 0; i < runs; i++) {
    commands = [];
    const started = performance.now();
    await authenticate(accessToken);
    samples.push(performance.now() - started);
    perRequest = commands;
  }
  db.client.off("commandStarted", record);
  const membershipReadSamples: number[] = [];
  const membershipId = `${organization.id}:${organization.adminId}`;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await db.memberships.findOne(
      { _id: membershipId },
      { projection: { role: 1, grant: 1, credentials_version: 1, email: 1 } },
    );
    membershipReadSamples.push(performance.now() - started);
  }
  await useDataSet(uri, dataSet, bcryptCost);
  return { commands: perRequest, samples, membershipReadSamples };
}

export const medianOf = (samples: readonly number[]): number => percentile(samples, 50);
