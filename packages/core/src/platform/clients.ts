import { recordAudit } from "../audit";
import { type ClientSummary, deleteClient, describeClient, revokedDraft } from "../clients/manage";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { NotFoundError } from "../errors";
import { SYSTEM_ACTOR } from "../events/actor";
import { beginChange } from "../events/change";

/**
 * The operator's side of platform clients, for `pnpm platform clients` (packages/local): no HTTP
 * route reaches these — whoever may run the command holds the database already. Creating one is
 * clients/manage.ts' `createPlatformClient`.
 */

/**
 * Every platform client, oldest first: never a secret, only each secret's id, first characters
 * and last use. Found by `kind`, which no index holds (a scan of the clients: an operator's
 * command, over a handful of platform clients among the organizations' ones).
 */
export async function listPlatformClients(): Promise<ClientSummary[]> {
  const db = await database();
  const clients = await db.clients.find({ kind: "platform" }).sort({ created_at: 1 }).toArray();
  return Promise.all(clients.map((client) => describeClient(db, client)));
}

/**
 * Revoke a platform client: deleted with its secrets, so its next token request is refused and
 * every token it holds is refused at its next request. An organization's client is not one (404).
 */
export async function revokePlatformClient(
  clientId: string,
  context: RequestContext = {},
): Promise<{ clientId: string; name: string }> {
  const db = await database();
  const client = typeof clientId === "string" ? await db.clients.findOne({ _id: clientId }) : null;
  if (client?.kind !== "platform") throw new NotFoundError(`No platform client has the id "${clientId}".`);
  // The operator's command: no actor to name.
  const change = await beginChange(db, SYSTEM_ACTOR, [revokedDraft(client)], nowOf(context));
  await deleteClient(db, { _id: client._id });
  await change.commit(db);
  await recordAudit(db, { action: "client.revoked", clientId: client._id, details: { name: client.name } }, context);
  return { clientId: client._id, name: client.name };
}
