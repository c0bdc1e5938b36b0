import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  type Actor,
  addClientSecret,
  ARCHIVE_RETENTION_DAYS,
  authenticate,
  changeMemberRole,
  createIndex,
  createOrganization,
  createOrganizationClient,
  createPlatformClient,
  createWebhook,
  deleteClientSecret,
  deleteOrganization,
  deletePlatformOrganization,
  disableTotp,
  DOWNLOAD_LINK_SECONDS,
  dropIndex,
  enrollTotp,
  exportsInProcessSettled,
  getOwnExport,
  listOwnExports,
  NotFoundError,
  organizationWebhooks,
  patchOrganizationMetadata,
  type PlatformActor,
  reactivateOrganization,
  removeMember,
  removeTemporaryArchives,
  replayWebhook,
  resendWebhookMessage,
  restorePlatformOrganization,
  revokeInvitation,
  revokeOrganizationClient,
  revokePlatformClient,
  startOwnExport,
  suspendOrganization,
  updateOrganization,
  ValidationError,
  verifyEmail,
  verifyTotpEnrollment,
} from "../src";
import type { EventType } from "../src/events/types";
import { addMemberWithoutInvitation } from "../src/members/add-member";
import { newMessage } from "../src/webhooks/dispatch";
import {
  clearFaults,
  database,
  injectFault,
  inviteShown,
  loginWithPassword,
  mailedToken,
  totpCode,
  useIsolatedDatabases,
} from "../src/testing";

/**
 * A request whose context fixes `now` (a test, a replay) records that instant, and only that one,
 * wherever its operation writes or compares a time: the records it makes, its events, its audit
 * entries. Every instant here is minutes away from the wall clock, so a time read from the clock
 * instead never equals it.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await exportsInProcessSettled();
  await removeTemporaryArchives();
  await databases.drop();
});
afterEach(() => clearFaults());

const PASSWORD = "password-123";
const MINUTE = 60_000;
const DAY = 86_400_000;
const operator: PlatformActor = { clientId: "pc_clock", scopes: ["platform:read", "platform:write"] };
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** `minutes` before the clock, on a whole second: what a request of the past says its time is. */
const ago = (minutes: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - minutes * MINUTE);
const later = (at: Date, milliseconds: number) => new Date(at.getTime() + milliseconds);

async function organizationWithOwner(context: { now?: Date } = {}) {
  const email = `owner.${unique()}@clock.example`;
  const organization = await createOrganization(
    { organizationName: `Clock ${unique()}`, email, password: PASSWORD },
    context,
  );
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, email, organizationId: new ObjectId(organization.id) };
}

/** When each event of `type` the feed holds was made, oldest first. */
async function eventTimes(type: EventType, where: Record<string, unknown> = {}): Promise<Date[]> {
  const db = await database();
  const events = await db.events.find({ type, ...where }).toArray();
  return events.map((event) => event.at).sort((a, b) => a.getTime() - b.getTime());
}

async function auditTimes(action: string, where: Record<string, unknown> = {}): Promise<Date[]> {
  const db = await database();
  const entries = await db.audit.find({ action: action as never, ...where }).toArray();
  return entries.map((entry) => entry.at).sort((a, b) => a.getTime() - b.getTime());
}

describe("organizations", () => {
  it("a create records its instant on the record, the owner, the membership, the event and the audit entry", async () => {
    const now = ago(9);
    const { organizationId } = await organizationWithOwner({ now });
    const db = await database();
    const record = (await db.organizations.findOne({ _id: organizationId }))!;
    expect(record).toMatchObject({ created_at: now, updated_at: now });
    const user = (await db.users.findOne({ _id: record.admin_id }))!;
    expect(user).toMatchObject({ created_at: now, updated_at: now });
    expect(await db.memberships.findOne({ organization_id: organizationId })).toMatchObject({ joined_at: now });
    expect(await eventTimes("organization.created", { organization_id: organizationId })).toEqual([now]);
    expect(await auditTimes("organization.create", { organization_id: organizationId })).toEqual([now]);
  });

  it("an update and a delete record theirs on the record, the user, the events and the audit entries", async () => {
    const { organization, owner, organizationId } = await organizationWithOwner();
    const updatedAt = ago(8);
    const newName = `Clock renamed ${unique()}`;
    await updateOrganization(
      owner,
      {
        organizationName: organization.name,
        newOrganizationName: newName,
        password: "password-456",
        currentPassword: PASSWORD,
      },
      { now: updatedAt },
    );
    const db = await database();
    expect(await db.organizations.findOne({ _id: organizationId })).toMatchObject({ updated_at: updatedAt });
    expect(await db.users.findOne({ _id: new ObjectId(owner.userId) })).toMatchObject({ updated_at: updatedAt });
    const where = { organization_id: organizationId };
    expect(await eventTimes("organization.renamed", where)).toEqual([updatedAt]);
    expect(await eventTimes("user.password_changed", where)).toEqual([updatedAt]);
    expect(await auditTimes("organization.update", where)).toEqual([updatedAt]);

    const deletedAt = ago(7);
    await deleteOrganization(owner, newName, { now: deletedAt });
    expect(await eventTimes("organization.deleted", where)).toEqual([deletedAt]);
    expect(await auditTimes("organization.delete", where)).toEqual([deletedAt]);
  });

  it("a dead update is finished at its own instant; whether its writer died is judged by the wall clock, never a request's", async () => {
    const { organization, owner, organizationId } = await organizationWithOwner();
    const db = await database();
    const diedAt = ago(9);
    const newName = `Clock died ${unique()}`;
    const { reached } = injectFault("update", 1, "crash");
    void updateOrganization(
      owner,
      {
        organizationName: organization.name,
        newOrganizationName: newName,
        password: "password-456",
        currentPassword: PASSWORD,
      },
      { now: diedAt },
    );
    await reached;
    const left = await db.eventIntents.find({ organization_id: organizationId }).sort({ type: 1 }).toArray();
    expect(left.map((intent) => [intent.type, intent.at])).toEqual([
      ["organization.renamed", diedAt],
      ["user.password_changed", diedAt],
    ]);
    // Written by the wall clock, though the request's clock said nine minutes ago: a request's
    // clock cannot make a live writer look dead to whoever judges its intents.
    for (const intent of left) expect(Date.now() - intent.created_at.getTime()).toBeLessThan(60_000);

    // Its lock and its intents as the grace period (120 s, by the wall clock) leaves them.
    await db.locks.deleteMany({});
    await db.eventIntents.updateMany(
      { organization_id: organizationId },
      { $set: { created_at: new Date(Date.now() - 121_000) } },
    );
    const repairedAt = later(diedAt, 60_000);
    await updateOrganization(
      owner,
      { organizationName: newName, newOrganizationName: `${newName} again` },
      { now: repairedAt },
    );
    // The dead update finished at its own instant, its rename announced at it; then this one's.
    expect(await db.users.findOne({ _id: new ObjectId(owner.userId) })).toMatchObject({ updated_at: diedAt });
    expect(await db.eventIntents.countDocuments({ organization_id: organizationId })).toBe(0);
    expect(await eventTimes("organization.renamed", { organization_id: organizationId })).toEqual([diedAt, repairedAt]);
  });
});

describe("members and invitations", () => {
  it("an invitation's create, accept, revoke and the member's role change and removal record their instants", async () => {
    const { owner, organizationId } = await organizationWithOwner();
    const where = { organization_id: organizationId };
    const invitedAt = ago(10);
    const email = `member.${unique()}@clock.example`;
    const { token, id: invitationId } = await inviteShown(owner, { email, role: "member" }, { now: invitedAt });
    expect(await eventTimes("invitation.created", where)).toEqual([invitedAt]);

    const acceptedAt = ago(9);
    const accepted = await acceptInvitation({ token, password: PASSWORD }, { now: acceptedAt });
    const db = await database();
    const invitation = new ObjectId(invitationId);
    expect(await db.invitationClaims.findOne({ _id: invitation })).toMatchObject({ claimed_at: acceptedAt });
    expect(await db.invitations.findOne({ _id: invitation })).toMatchObject({ accepted_at: acceptedAt });
    const memberId = new ObjectId(accepted.userId);
    expect(await db.memberships.findOne({ user_id: memberId })).toMatchObject({
      joined_at: acceptedAt,
      updated_at: acceptedAt,
    });
    expect(await eventTimes("invitation.accepted", where)).toEqual([acceptedAt]);
    expect(await eventTimes("member.added", where)).toEqual([acceptedAt]);
    expect(await auditTimes("invitation.accepted", where)).toEqual([acceptedAt]);

    const changedAt = ago(8);
    await changeMemberRole(owner, accepted.userId, "admin", { now: changedAt });
    expect(await eventTimes("member.role_changed", where)).toEqual([changedAt]);
    expect(await auditTimes("member.role_changed", where)).toEqual([changedAt]);

    const removedAt = ago(7);
    await removeMember(owner, accepted.userId, { now: removedAt });
    expect(await eventTimes("member.removed", where)).toEqual([removedAt]);
    expect(await auditTimes("member.removed", where)).toEqual([removedAt]);

    const other = await inviteShown(owner, { email: `other.${unique()}@clock.example`, role: "member" });
    const revokedAt = ago(6);
    await revokeInvitation(owner, other.id, { now: revokedAt });
    expect(await eventTimes("invitation.revoked", where)).toEqual([revokedAt]);
  });

  it("a member added without an invitation is announced at the join's instant", async () => {
    const { organizationId } = await organizationWithOwner();
    const db = await database();
    const user = { _id: new ObjectId(), email: `joined.${unique()}@clock.example`, credentials_version: 1 };
    await db.users.insertOne({ ...user, password_hash: "x", created_at: new Date(), updated_at: new Date() });
    const joinedAt = ago(9);
    const actor = { type: "user", id: user._id.toHexString() } as const;
    await addMemberWithoutInvitation(db, organizationId, user, actor, joinedAt, { via: "sso" });
    expect(await eventTimes("member.added", { organization_id: organizationId })).toEqual([joinedAt]);
  });
});

describe("a user's own account", () => {
  it("verifying the email and turning two-factor login on and off announce the request's instant", async () => {
    const { email, organizationId } = await organizationWithOwner();
    const where = { organization_id: organizationId };
    const verifiedAt = ago(9);
    await verifyEmail({ token: mailedToken(email, "verify") }, { now: verifiedAt });
    expect(await eventTimes("user.email_verified", where)).toEqual([verifiedAt]);

    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const enabledAt = ago(8);
    const { secret } = await enrollTotp(actor, { now: enabledAt });
    await verifyTotpEnrollment(actor, { code: totpCode(secret, enabledAt) }, { now: enabledAt });
    expect(await eventTimes("user.mfa_enabled", where)).toEqual([enabledAt]);

    const disabledAt = ago(7);
    await disableTotp(actor, { code: totpCode(secret, disabledAt) }, { now: disabledAt });
    expect(await eventTimes("user.mfa_disabled", where)).toEqual([disabledAt]);
  });
});

describe("machine clients and indexes", () => {
  it("an organization's client, its secrets and its revocation are announced at each request's instant", async () => {
    const { owner, organizationId } = await organizationWithOwner();
    const where = { organization_id: organizationId };
    const createdAt = ago(10);
    const client = await createOrganizationClient(owner, { name: "clock", scopes: ["data:read"] }, { now: createdAt });
    expect(await eventTimes("client.created", where)).toEqual([createdAt]);

    const addedAt = ago(9);
    await addClientSecret(owner, client.clientId, { now: addedAt });
    const deletedAt = ago(8);
    await deleteClientSecret(owner, client.clientId, client.secret.secretId, { now: deletedAt });
    expect(await eventTimes("client.secret_rotated", where)).toEqual([addedAt, deletedAt]);

    const revokedAt = ago(7);
    await revokeOrganizationClient(owner, client.clientId, { now: revokedAt });
    expect(await eventTimes("client.revoked", where)).toEqual([revokedAt]);
  });

  it("a platform client's create and revoke record their instant on the client, the event and the audit entry", async () => {
    const createdAt = ago(9);
    const client = await createPlatformClient(
      { name: `clock ${unique()}`, scopes: ["platform:read"] },
      { now: createdAt },
    );
    const db = await database();
    expect(await db.clients.findOne({ _id: client.clientId })).toMatchObject({ created_at: createdAt });
    const where = { "data.client_id": client.clientId };
    expect(await eventTimes("client.created", where)).toEqual([createdAt]);
    expect(await auditTimes("client.created", { client_id: client.clientId })).toEqual([createdAt]);

    const revokedAt = ago(8);
    await revokePlatformClient(client.clientId, { now: revokedAt });
    expect(await eventTimes("client.revoked", where)).toEqual([revokedAt]);
    expect(await auditTimes("client.revoked", { client_id: client.clientId })).toEqual([revokedAt]);
  });

  it("an index's create and drop are announced and audited at the request's instant", async () => {
    const { owner, organizationId } = await organizationWithOwner();
    const where = { organization_id: organizationId };
    const createdAt = ago(9);
    const { name } = await createIndex(owner, { keys: { tag: 1 } }, { now: createdAt });
    expect(await eventTimes("index.created", where)).toEqual([createdAt]);
    expect(await auditTimes("data.index_created", where)).toEqual([createdAt]);
    const droppedAt = ago(8);
    await dropIndex(owner, name, { now: droppedAt });
    expect(await eventTimes("index.dropped", where)).toEqual([droppedAt]);
  });
});

describe("the platform's changes", () => {
  it("suspension, reactivation, metadata and delete are announced and audited at each request's instant", async () => {
    const { organization, organizationId } = await organizationWithOwner();
    const where = { organization_id: organizationId };
    const suspendedAt = ago(10);
    await suspendOrganization(operator, organization.id, { reason: "clock" }, { now: suspendedAt });
    expect(await eventTimes("organization.suspended", where)).toEqual([suspendedAt]);
    const reactivatedAt = ago(9);
    await reactivateOrganization(operator, organization.id, { now: reactivatedAt });
    expect(await eventTimes("organization.reactivated", where)).toEqual([reactivatedAt]);
    const patchedAt = ago(8);
    await patchOrganizationMetadata(operator, organization.id, { publicMetadata: { plan: "pro" } }, { now: patchedAt });
    expect(await eventTimes("organization.metadata_updated", where)).toEqual([patchedAt]);

    const deletedAt = ago(7);
    await deletePlatformOrganization(operator, organization.id, { now: deletedAt });
    expect(await eventTimes("organization.deleted", where)).toEqual([deletedAt]);
    expect(await auditTimes("platform.organization_deleted", where)).toEqual([deletedAt]);
  });
});

describe("webhooks", () => {
  it("a resend makes the message due at the request's instant, and a replay judges `since` and makes its messages by it", async () => {
    const createdAt = ago(20);
    const { owner, organizationId } = await organizationWithOwner({ now: createdAt });
    const hooks = organizationWebhooks(owner);
    const endpoint = await createWebhook(hooks, {
      url: "https://hooks.example.com/clock",
      event_types: ["organization.created"],
    });
    const db = await database();
    const [event] = await db.events.find({ type: "organization.created", organization_id: organizationId }).toArray();
    const message = newMessage(endpoint.id, event!._id, organizationId.toHexString(), ago(30));
    await db.webhookMessages.insertOne({ ...message, state: "failed" });

    const resentAt = ago(10);
    const resent = await resendWebhookMessage(hooks, endpoint.id, event!._id, { now: resentAt });
    expect(resent.nextAttemptAt).toEqual(resentAt);
    expect(await db.webhookMessages.findOne({ _id: message._id })).toMatchObject({
      next_attempt_at: resentAt,
      updated_at: resentAt,
    });
    expect(await auditTimes("webhook.resent", { organization_id: organizationId })).toEqual([resentAt]);

    const replayedAt = ago(9);
    // After the request's time, though before the clock's: in the future for this request.
    await expect(
      replayWebhook(hooks, endpoint.id, { since: later(replayedAt, MINUTE).toISOString() }, { now: replayedAt }),
    ).rejects.toBeInstanceOf(ValidationError);
    await replayWebhook(hooks, endpoint.id, { since: createdAt.toISOString() }, { now: replayedAt });
    const replayed = await db.webhookMessages.find({ endpoint_id: endpoint.id, _id: { $ne: message._id } }).toArray();
    expect(replayed.map((found) => [found.created_at, found.next_attempt_at])).toEqual([[replayedAt, replayedAt]]);
  });
});

describe("exports and restores", () => {
  it("an export is read as of the request's time, and a restore keeps one instant from the archive it takes to what it writes", async () => {
    const { organization, owner, organizationId } = await organizationWithOwner();
    const started = await startOwnExport(owner);
    await exportsInProcessSettled();

    const readAt = ago(9);
    expect(await getOwnExport(owner, started.id, { now: readAt })).toMatchObject({
      state: "completed",
      download: { expiresAt: later(readAt, DOWNLOAD_LINK_SECONDS * 1000) },
    });
    // Past its retention by the request's time: expired, as the clock will say then.
    const afterRetention = later(new Date(), (ARCHIVE_RETENTION_DAYS + 1) * DAY);
    expect((await listOwnExports(owner, { now: afterRetention })).map(({ state }) => state)).toEqual(["expired"]);

    await deleteOrganization(owner, organization.name);
    const source = { exportId: started.id };
    await expect(restorePlatformOrganization(operator, source, {}, { now: afterRetention })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const restoredAt = ago(8);
    await restorePlatformOrganization(operator, source, {}, { now: restoredAt });
    const db = await database();
    // Restored under its own id (the archive is this service's), with a new account for its owner.
    const record = (await db.organizations.findOne({ _id: organizationId }))!;
    expect(record).toMatchObject({ updated_at: restoredAt });
    expect(await db.users.findOne({ _id: record.admin_id })).toMatchObject({
      created_at: restoredAt,
      updated_at: restoredAt,
    });
    const where = { organization_id: organizationId };
    expect(await eventTimes("organization.restored", where)).toEqual([restoredAt]);
    expect(await auditTimes("organization.restored", where)).toEqual([restoredAt]);
  });
});
