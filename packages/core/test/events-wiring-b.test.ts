import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addClientSecret,
  authenticate,
  createIndex,
  createOrganization,
  createOrganizationClient,
  createPlatformClient,
  deleteClientSecret,
  dropIndex,
  moveTenant,
  patchOrganizationMetadata,
  reactivateOrganization,
  resetConfig,
  revokeOrganizationClient,
  revokePlatformClient,
  startPlatformMove,
  suspendOrganization,
  type PlatformActor,
} from "../src";
import type { EventType } from "../src/events/types";
import { database, loginWithPassword, twoCellsOn, useIsolatedDatabases } from "../src/testing";

/**
 * The events of clients, suspension, metadata, indexes and moves: each change, made by the real
 * core function, leaves its event in the feed once, with its organization and data (never a
 * secret), and no intent behind.
 */
let databases: ReturnType<typeof useIsolatedDatabases>;
beforeAll(() => {
  process.env.TENANT_MOVE_DRAIN_SECONDS = "0";
  databases = useIsolatedDatabases(inject("mongodbUri"), { cells: twoCellsOn(inject("mongodbUri")) });
  resetConfig();
});
afterAll(async () => {
  await databases?.drop();
  delete process.env.TENANT_MOVE_DRAIN_SECONDS;
  resetConfig();
});

const operator: PlatformActor = { clientId: "pc_operator", scopes: ["platform:read", "platform:write"] };
let sequence = 0;

async function organization() {
  const n = `${Date.now()}-${++sequence}`;
  const email = `owner.${n}@events-b.example`;
  const created = await createOrganization({ organizationName: `Events B ${n}`, email, password: "password-123" });
  const session = await loginWithPassword({ email, password: "password-123" });
  return { created, owner: await authenticate(session.accessToken) };
}

/**
 * The one event of `type` of the organization (none: of no organization) whose data has `match`,
 * asserted alone in the feed, with no intent of it left; `secrets` appear nowhere in its data.
 */
async function theEvent(
  type: EventType,
  organizationId: string | undefined,
  match: Record<string, unknown>,
  secrets: readonly string[] = [],
) {
  const db = await database();
  const filter = {
    type,
    organization_id: organizationId ? new ObjectId(organizationId) : { $exists: false },
    ...Object.fromEntries(Object.entries(match).map(([key, value]) => [`data.${key}`, value])),
  };
  const events = await db.events.find(filter).toArray();
  expect(events).toHaveLength(1);
  // Any intent of the type and organization: one left behind would not match `data` if it was wrong.
  expect(await db.eventIntents.countDocuments({ type, organization_id: filter.organization_id })).toBe(0);
  const event = events[0]!;
  expect(event.organization_id?.toHexString()).toBe(organizationId);
  expect(typeof event.seq).toBe("number");
  const serialized = JSON.stringify(event.data);
  for (const secret of secrets) expect(serialized).not.toContain(secret);
  return event;
}

describe("client events", () => {
  it("an organization's client: created, a secret added and deleted, revoked", async () => {
    const { created, owner } = await organization();
    const client = await createOrganizationClient(owner, { name: "sync", scopes: ["data:read"] });
    const secrets = [client.secret.secret];

    const made = await theEvent("client.created", created.id, { client_id: client.clientId }, secrets);
    expect(made.actor).toEqual({ type: "user", id: owner.userId });
    expect(made.data).toEqual({
      client_id: client.clientId,
      kind: "organization",
      name: "sync",
      scopes: ["data:read"],
    });

    const added = await addClientSecret(owner, client.clientId);
    secrets.push(added.secret);
    // Nor the hashes kept of them.
    const db = await database();
    secrets.push(...(await db.clientSecrets.find({ client_id: client.clientId }).toArray()).map(({ hash }) => hash));
    expect(secrets).toHaveLength(4);
    const rotated = await theEvent(
      "client.secret_rotated",
      created.id,
      { client_id: client.clientId, secret_id: added.secretId },
      secrets,
    );
    expect(rotated.data).toEqual({ client_id: client.clientId, secret_id: added.secretId, action: "added" });

    await deleteClientSecret(owner, client.clientId, client.secret.secretId);
    const deleted = await theEvent(
      "client.secret_rotated",
      created.id,
      { client_id: client.clientId, secret_id: client.secret.secretId },
      secrets,
    );
    expect(deleted.data).toEqual({ client_id: client.clientId, secret_id: client.secret.secretId, action: "deleted" });

    await revokeOrganizationClient(owner, client.clientId);
    const revoked = await theEvent("client.revoked", created.id, { client_id: client.clientId }, secrets);
    expect(revoked.data).toEqual({ client_id: client.clientId, kind: "organization", name: "sync" });
  });

  it("a platform client: created and revoked by the command, of no organization, by the system", async () => {
    const client = await createPlatformClient({ name: `console ${++sequence}`, scopes: ["platform:read"] });
    const made = await theEvent("client.created", undefined, { client_id: client.clientId }, [client.secret.secret]);
    expect(made.actor).toEqual({ type: "system" });
    expect(made.data).toEqual({
      client_id: client.clientId,
      kind: "platform",
      name: client.name,
      scopes: ["platform:read"],
    });

    await revokePlatformClient(client.clientId);
    const revoked = await theEvent("client.revoked", undefined, { client_id: client.clientId }, [client.secret.secret]);
    expect(revoked.actor).toEqual({ type: "system" });
    expect(revoked.data).toEqual({ client_id: client.clientId, kind: "platform", name: client.name });
  });
});

describe("platform events", () => {
  it("suspended and reactivated, by the platform client; a repeat makes none", async () => {
    const { created } = await organization();
    await suspendOrganization(operator, created.id, { reason: "unpaid invoice" });
    await suspendOrganization(operator, created.id, { reason: "again" });
    const suspended = await theEvent("organization.suspended", created.id, { slug: created.slug });
    expect(suspended.actor).toEqual({ type: "platform", id: "pc_operator" });
    expect(suspended.data).toEqual({ reason: "unpaid invoice", name: created.name, slug: created.slug });

    await reactivateOrganization(operator, created.id);
    await reactivateOrganization(operator, created.id);
    const reactivated = await theEvent("organization.reactivated", created.id, { slug: created.slug });
    expect(reactivated.actor).toEqual({ type: "platform", id: "pc_operator" });
    expect(reactivated.data).toEqual({ name: created.name, slug: created.slug });
  });

  it("metadata updated: the public metadata, the private one's keys alone", async () => {
    const { created } = await organization();
    const secret = `cus_${Date.now()}_private_value`;
    await patchOrganizationMetadata(operator, created.id, {
      publicMetadata: { plan: "pro" },
      privateMetadata: { billing_id: secret },
    });
    const updated = await theEvent("organization.metadata_updated", created.id, {}, [secret]);
    expect(updated.actor).toEqual({ type: "platform", id: "pc_operator" });
    expect(updated.data).toEqual({
      changed: ["public_metadata", "private_metadata"],
      public_metadata: { plan: "pro" },
      private_metadata_keys: ["billing_id"],
    });
  });
});

describe("index events", () => {
  it("created and dropped, with the keys and uniqueness", async () => {
    const { created, owner } = await organization();
    await createIndex(owner, { keys: { sku: 1, at: -1 }, unique: true });
    const made = await theEvent("index.created", created.id, { name: "sku_1_at_-1" });
    expect(made.actor).toEqual({ type: "user", id: owner.userId });
    expect(made.data).toEqual({
      name: "sku_1_at_-1",
      keys: [
        { field: "sku", order: 1 },
        { field: "at", order: -1 },
      ],
      unique: true,
    });

    // The same index again is no change: no second event.
    await createIndex(owner, { keys: { sku: 1, at: -1 }, unique: true });
    await theEvent("index.created", created.id, { name: "sku_1_at_-1" });

    await dropIndex(owner, "sku_1_at_-1");
    const dropped = await theEvent("index.dropped", created.id, { name: "sku_1_at_-1" });
    expect(dropped.data).toEqual(made.data);
  });
});

describe("tenant.moved", () => {
  it("by the command: the system's, from and to", async () => {
    const { created } = await organization();
    const status = await moveTenant({ organizationName: created.name, toCell: "cell-b" });
    expect(status.step).toBe("done");
    const moved = await theEvent("tenant.moved", created.id, {});
    expect(moved.actor).toEqual({ type: "system" });
    expect(moved.data).toEqual({ from: status.from, to: status.to });
  });

  it("by a platform client: its actor, recorded with the move", async () => {
    const { created } = await organization();
    await startPlatformMove(operator, created.id, { cell: "cell-b", tier: "silo" });
    const moved = await theEvent("tenant.moved", created.id, {});
    expect(moved.actor).toEqual({ type: "platform", id: "pc_operator" });
    expect(moved.data).toMatchObject({ from: { cell: "cell-a", tier: "pool" }, to: { cell: "cell-b", tier: "silo" } });
  });
});
