import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { ORGANIZATION_CLIENT_SCOPES, PLATFORM_SCOPES, requireScope, type Scope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { type Database, database } from "../db/client";
import type { ClientDocument, ClientSecretDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, UnauthenticatedError } from "../errors";
import { eventActorOf, SYSTEM_ACTOR } from "../events/actor";
import { beginChange, type EventDraft } from "../events/change";
import type { EventActor } from "../events/types";
import { withOrganizationLockWaiting } from "../organizations/lock";
import { type Actor, toObjectId } from "../organizations/model";
import { hasControlCharacter, parseInput } from "../validation";
import { newClientSecret, SECRET_SLOTS, secretSlotId, secretsOf } from "./secrets";

/** A client as listed: never a secret, only each secret's id, first characters and last use. */
export interface ClientSummary {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: Date;
  readonly secrets: readonly {
    readonly secretId: string;
    readonly prefix: string;
    readonly createdAt: Date;
    readonly lastUsedAt?: Date;
  }[];
}

/** A secret as created: the secret itself, shown this once. */
export interface IssuedSecret {
  readonly secretId: string;
  readonly secret: string;
  readonly prefix: string;
  readonly createdAt: Date;
}

export interface CreatedClient extends ClientSummary {
  readonly secret: IssuedSecret;
}

const nameSchema = z.string().check(
  z.trim(),
  z.minLength(1, "must not be empty"),
  z.maxLength(64, "must be at most 64 characters"),
  z.refine((name: string) => !hasControlCharacter(name), "must not contain control characters"),
);

const scopesOf = (allowed: readonly Scope[]) =>
  z.array(z.enum(allowed as [Scope, ...Scope[]])).check(
    z.minLength(1, `must name at least one of ${allowed.join(", ")}`),
    z.refine((scopes: Scope[]) => new Set(scopes).size === scopes.length, "must not repeat a scope"),
  );

export const createOrganizationClientInputSchema = z.object({
  name: nameSchema,
  scopes: scopesOf(ORGANIZATION_CLIENT_SCOPES),
});
export type CreateOrganizationClientInput = z.input<typeof createOrganizationClientInputSchema>;

export const createPlatformClientInputSchema = z.object({ name: nameSchema, scopes: scopesOf(PLATFORM_SCOPES) });
export type CreatePlatformClientInput = z.input<typeof createPlatformClientInputSchema>;

const newClientId = (kind: ClientDocument["kind"]): string =>
  `${kind === "organization" ? "oc" : "pc"}_${randomBytes(12).toString("hex")}`;

/**
 * `POST /org/clients`: a machine client of the caller's organization, with some of its data
 * scopes, and its first secret — shown in this answer only. Owners and admins.
 */
export async function createOrganizationClient(
  actor: Actor,
  input: CreateOrganizationClientInput,
  context: RequestContext = {},
): Promise<CreatedClient> {
  requireScope(actor, "clients:manage", "create machine clients");
  const { name, scopes } = parseInput(createOrganizationClientInputSchema, input);
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) throw new UnauthenticatedError();
  const db = await database();
  const created = await insertClient(
    db,
    {
      kind: "organization",
      organization_id: organizationId,
      name,
      scopes,
      created_at: nowOf(context),
      ...(toObjectId(actor.userId) && { created_by: toObjectId(actor.userId)! }),
    },
    eventActorOf(actor),
  );
  await recordAudit(
    db,
    {
      action: "client.created",
      organizationId,
      ...(toObjectId(actor.userId) && { userId: toObjectId(actor.userId)! }),
      clientId: created.clientId,
      details: { name, scopes: scopes.join(" ") },
    },
    context,
  );
  return created;
}

/** A platform client, made by the operator's command (`pnpm platform clients create`). */
export async function createPlatformClient(
  input: CreatePlatformClientInput,
  context: RequestContext = {},
): Promise<CreatedClient> {
  const { name, scopes } = parseInput(createPlatformClientInputSchema, input);
  const db = await database();
  // The operator's command: no actor to name.
  const created = await insertClient(db, { kind: "platform", name, scopes, created_at: nowOf(context) }, SYSTEM_ACTOR);
  await recordAudit(
    db,
    { action: "client.created", clientId: created.clientId, details: { name, scopes: scopes.join(" ") } },
    context,
  );
  return created;
}

async function insertClient(
  db: Database,
  fields: Omit<ClientDocument, "_id">,
  actor: EventActor,
): Promise<CreatedClient> {
  const client: ClientDocument = { _id: newClientId(fields.kind), ...fields };
  // A platform client belongs to no organization: its event has none.
  const change = await beginChange(
    db,
    actor,
    [
      {
        type: "client.created",
        ...(client.organization_id && { organizationId: client.organization_id }),
        data: { client_id: client._id, kind: client.kind, name: client.name, scopes: client.scopes },
        proof: { kind: "marked", collection: "clients", id: client._id },
      },
    ],
    client.created_at,
  );
  await db.clients.insertOne({ ...client, ...change.marks("client.created") });
  const secret = await insertSecret(db, client._id, 0, client.created_at);
  await change.commit(db);
  return { ...summaryOf(client, [secret.document], []), secret: secret.issued };
}

async function insertSecret(
  db: Database,
  clientId: string,
  slot: number,
  now: Date,
): Promise<{ document: ClientSecretDocument; issued: IssuedSecret }> {
  const made = newSecretDocument(clientId, slot, now);
  await db.clientSecrets.insertOne(made.document);
  return made;
}

/** A new secret in `slot`, not yet stored: the document to insert, and what its creator is shown. */
function newSecretDocument(
  clientId: string,
  slot: number,
  now: Date,
): { document: ClientSecretDocument; issued: IssuedSecret } {
  const { secret, hash, prefix } = newClientSecret();
  const document: ClientSecretDocument = {
    _id: secretSlotId(clientId, slot),
    client_id: clientId,
    secret_id: `sec_${randomBytes(8).toString("hex")}`,
    hash,
    prefix,
    created_at: now,
  };
  return { document, issued: { secretId: document.secret_id, secret, prefix, createdAt: now } };
}

function summaryOf(
  client: ClientDocument,
  secrets: readonly ClientSecretDocument[],
  uses: readonly { _id: string; last_used_at: Date }[],
): ClientSummary {
  return {
    clientId: client._id,
    name: client.name,
    scopes: client.scopes as Scope[],
    createdAt: client.created_at,
    secrets: [...secrets]
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
      .map((secret) => {
        const use = uses.find(({ _id }) => _id === secret.secret_id);
        return {
          secretId: secret.secret_id,
          prefix: secret.prefix,
          createdAt: secret.created_at,
          ...(use && { lastUsedAt: use.last_used_at }),
        };
      }),
  };
}

/** `GET /org/clients`: the organization's clients, oldest first. */
export async function listOrganizationClients(actor: Actor): Promise<ClientSummary[]> {
  requireScope(actor, "clients:manage", "list machine clients");
  const organizationId = toObjectId(actor.organizationId);
  if (!organizationId) throw new UnauthenticatedError();
  const db = await database();
  const clients = await db.clients.find({ organization_id: organizationId }).sort({ created_at: 1 }).toArray();
  return Promise.all(clients.map((client) => describeClient(db, client)));
}

/** A client with its secrets' ids, prefixes and last uses (never a secret). */
export async function describeClient(db: Database, client: ClientDocument): Promise<ClientSummary> {
  const secrets = await secretsOf(db, client._id);
  // One read by primary key per secret (at most two): FerretDB serves an equality from an index.
  const uses = await Promise.all(secrets.map((secret) => db.clientSecretUses.findOne({ _id: secret.secret_id })));
  return summaryOf(
    client,
    secrets,
    uses.filter((use) => use !== null),
  );
}

/** The caller's organization's client, or 404 (another organization's answers the same). */
async function ownClient(db: Database, actor: Actor, clientId: string): Promise<ClientDocument> {
  const client = typeof clientId === "string" ? await db.clients.findOne({ _id: clientId }) : null;
  if (client?.kind !== "organization" || client.organization_id?.toHexString() !== actor.organizationId) {
    throw new NotFoundError("The organization has no client with this id.");
  }
  return client;
}

/**
 * `POST /org/clients/{client_id}/secrets`: a second secret, for rotation — deploy it, then delete
 * the old one. A client has two at most (the slots are unique keys): a third is 409.
 */
export async function addClientSecret(
  actor: Actor,
  clientId: string,
  context: RequestContext = {},
): Promise<IssuedSecret> {
  requireScope(actor, "clients:manage", "rotate a client's secret");
  const db = await database();
  const client = await ownClient(db, actor, clientId);
  return withOrganizationLockWaiting(db, client.organization_id!, () => addSecretHeld(db, actor, client, context));
}

async function addSecretHeld(
  db: Database,
  actor: Actor,
  client: ClientDocument,
  context: RequestContext,
): Promise<IssuedSecret> {
  const taken = new Set((await secretsOf(db, client._id)).map(({ _id }) => _id));
  for (const slot of SECRET_SLOTS) {
    if (taken.has(secretSlotId(client._id, slot))) continue;
    try {
      const now = nowOf(context);
      const { document, issued } = newSecretDocument(client._id, slot, now);
      // A slot taken meanwhile leaves this intent behind: the reconciler finds no mark of it and drops it.
      const change = await beginChange(
        db,
        eventActorOf(actor),
        [
          {
            type: "client.secret_rotated",
            organizationId: client.organization_id!,
            data: { client_id: client._id, secret_id: document.secret_id, action: "added" },
            proof: { kind: "marked", collection: "clientSecrets", id: document._id },
          },
        ],
        now,
      );
      await db.clientSecrets.insertOne({ ...document, ...change.marks("client.secret_rotated") });
      await change.commit(db);
      await auditClient(db, actor, client, "client.secret_added", { secret_id: issued.secretId }, context);
      return issued;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new ConflictError("The client has two secrets already: delete the old one first.", "client_id", {
    issue: "has two secrets already",
  });
}

/**
 * `DELETE /org/clients/{client_id}/secrets/{secret_id}`: the secret stops working at once — the
 * next token request with it is refused (tokens it got before live out their few minutes; revoke
 * the client to end those too). The last secret cannot be deleted: revoke the client instead.
 */
export async function deleteClientSecret(
  actor: Actor,
  clientId: string,
  secretId: string,
  context: RequestContext = {},
): Promise<void> {
  requireScope(actor, "clients:manage", "delete a client's secret");
  const db = await database();
  const client = await ownClient(db, actor, clientId);
  // Under the organization's lock: two deletes at once would each see two secrets and leave none.
  await withOrganizationLockWaiting(db, client.organization_id!, () =>
    deleteSecretHeld(db, actor, client, secretId, context),
  );
}

async function deleteSecretHeld(
  db: Database,
  actor: Actor,
  client: ClientDocument,
  secretId: string,
  context: RequestContext,
): Promise<void> {
  const secrets = await secretsOf(db, client._id);
  const secret = secrets.find((candidate) => candidate.secret_id === secretId);
  if (!secret) throw new NotFoundError("The client has no secret with this id.");
  if (secrets.length < 2) {
    throw new ConflictError("This is the client's only secret: revoke the client instead.", "secret_id", {
      issue: "is the only secret",
    });
  }
  const change = await beginChange(
    db,
    eventActorOf(actor),
    [
      {
        type: "client.secret_rotated",
        organizationId: client.organization_id!,
        data: { client_id: client._id, secret_id: secretId, action: "deleted" },
        // The slot's `_id` is taken again by the next secret added: that one is another.
        proof: {
          kind: "gone",
          collection: "clientSecrets",
          id: secret._id,
          incarnation: { field: "secret_id", value: secretId },
        },
      },
    ],
    nowOf(context),
  );
  await db.clientSecrets.deleteOne({ _id: secret._id, secret_id: secretId });
  await change.commit(db);
  await Promise.all([
    db.clientSecretUses.deleteOne({ _id: secretId }),
    auditClient(db, actor, client, "client.secret_deleted", { secret_id: secretId }, context),
  ]);
}

/**
 * `DELETE /org/clients/{client_id}`: the client is gone — its next token request is refused, and
 * every token it holds is refused at its next request (authentication reads the client each time).
 */
export async function revokeOrganizationClient(
  actor: Actor,
  clientId: string,
  context: RequestContext = {},
): Promise<void> {
  requireScope(actor, "clients:manage", "revoke machine clients");
  const db = await database();
  const client = await ownClient(db, actor, clientId);
  const change = await beginChange(db, eventActorOf(actor), [revokedDraft(client)], nowOf(context));
  await deleteClient(db, client);
  await change.commit(db);
  await auditClient(db, actor, client, "client.revoked", { name: client.name }, context);
}

/** The event of a client's revocation: proven by the client's record gone (its `_id` is never used again). */
export function revokedDraft(client: ClientDocument): EventDraft {
  return {
    type: "client.revoked",
    ...(client.organization_id && { organizationId: client.organization_id }),
    data: { client_id: client._id, kind: client.kind, name: client.name },
    proof: { kind: "gone", collection: "clients", id: client._id },
  };
}

/** The client first (what every check reads), then its secrets and their uses. */
export async function deleteClient(db: Database, client: Pick<ClientDocument, "_id">): Promise<void> {
  await db.clients.deleteOne({ _id: client._id });
  const secrets = await secretsOf(db, client._id);
  await db.clientSecrets.deleteMany({ client_id: client._id });
  await Promise.all(secrets.map(({ secret_id }) => db.clientSecretUses.deleteOne({ _id: secret_id })));
}

function auditClient(
  db: Database,
  actor: Actor,
  client: ClientDocument,
  action: "client.secret_added" | "client.secret_deleted" | "client.revoked",
  details: Record<string, string>,
  context: RequestContext,
): Promise<void> {
  const actingUserId = toObjectId(actor.userId);
  return recordAudit(
    db,
    {
      action,
      ...(client.organization_id && { organizationId: client.organization_id }),
      ...(actingUserId && { userId: actingUserId }),
      clientId: client._id,
      details,
    },
    context,
  );
}
