import { ObjectId } from "mongodb";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  type Actor,
  authenticate,
  createOrganization,
  disableTotp,
  enrollTotp,
  inviteMember,
  resetConfig,
  revokeInvitation,
  verifyEmail,
  verifyTotpEnrollment,
} from "../src";
import type { EventType } from "../src/events/types";
import { database, inviteShown, loginWithPassword, mailedToken, totpCode, useIsolatedDatabases } from "../src/testing";
import { linkIn, useMailbox } from "./support/mailbox";

/**
 * Invitations, accepts, second factors and email verification: each change's event reaches the
 * feed once, in the right organization, with what changed and no secret, and leaves no intent.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
const mailbox = useMailbox(databases);
afterEach(() => useOutbox());

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** Mail goes to the SMTP mailbox alone: the inviter is not shown the token, so accepting proves the address. */
function useSmtp() {
  process.env.SMTP_URL = mailbox().url;
  process.env.MAIL_FROM = "events@service.example";
  resetConfig();
}

function useOutbox() {
  delete process.env.SMTP_URL;
  delete process.env.MAIL_FROM;
  resetConfig();
}

async function organizationWithOwner() {
  const email = `owner.${unique()}@events-a.example`;
  const organization = await createOrganization({ organizationName: `Events ${unique()}`, email, password: PASSWORD });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, email };
}

/** The events of `type` whose data holds `match`: exactly one is expected, and no intent of it left. */
async function theEvent(type: EventType, match: Record<string, unknown>) {
  const db = await database();
  const filter = { type, ...Object.fromEntries(Object.entries(match).map(([key, value]) => [`data.${key}`, value])) };
  const events = await db.events.find(filter).toArray();
  expect(events, `${type} ${JSON.stringify(match)}`).toHaveLength(1);
  expect(await db.eventIntents.countDocuments(filter)).toBe(0);
  const [event] = events;
  expect(event!.seq).toBeGreaterThan(0);
  return event!;
}

async function eventsOf(type: EventType, match: Record<string, unknown>) {
  const db = await database();
  const filter = { type, ...Object.fromEntries(Object.entries(match).map(([key, value]) => [`data.${key}`, value])) };
  expect(await db.eventIntents.countDocuments(filter)).toBe(0);
  return db.events.find(filter).toArray();
}

const hex = (id: ObjectId | undefined) => id?.toHexString();

describe("invitations", () => {
  it("invitation.created: its id, email, role and inviter, never the token or its hash", async () => {
    const { owner, organization } = await organizationWithOwner();
    const email = `invitee.${unique()}@events-a.example`;
    const invitation = await inviteShown(owner, { email, role: "admin" });
    const event = await theEvent("invitation.created", { invitation_id: invitation.id });
    expect(hex(event.organization_id)).toBe(organization.id);
    expect(event.actor).toEqual({ type: "user", id: owner.userId });
    expect(event.data).toEqual({ invitation_id: invitation.id, email, role: "admin", invited_by: owner.userId });
    const stored = await (await database()).invitations.findOne({ _id: new ObjectId(invitation.id) });
    expect(JSON.stringify(event.data)).not.toContain(invitation.token);
    expect(JSON.stringify(event.data)).not.toContain(stored!.token_hash);
  });

  it("inviting again after an invitation expired: only invitation.created of the new one", async () => {
    const { owner } = await organizationWithOwner();
    const email = `again.${unique()}@events-a.example`;
    const first = await inviteShown(owner, { email, role: "member" });
    const db = await database();
    await db.invitations.updateOne(
      { _id: new ObjectId(first.id) },
      { $set: { expires_at: new Date(Date.now() - 1000) } },
    );
    const second = await inviteShown(owner, { email, role: "member" });
    await theEvent("invitation.created", { invitation_id: second.id });
    expect(await eventsOf("invitation.created", { invitation_id: first.id })).toHaveLength(1);
    expect(await eventsOf("invitation.revoked", { invitation_id: first.id })).toHaveLength(0);
    expect(await eventsOf("invitation.created", { email })).toHaveLength(2);
  });

  it("invitation.revoked: in the write that revokes it", async () => {
    const { owner, organization } = await organizationWithOwner();
    const email = `revoked.${unique()}@events-a.example`;
    const invitation = await inviteShown(owner, { email, role: "member" });
    await revokeInvitation(owner, invitation.id);
    const event = await theEvent("invitation.revoked", { invitation_id: invitation.id });
    expect(hex(event.organization_id)).toBe(organization.id);
    expect(event.data).toEqual({ invitation_id: invitation.id, email, role: "member" });
    const stored = await (await database()).invitations.findOne({ _id: new ObjectId(invitation.id) });
    expect(stored!.event_marks?.invitation_revoked).toBeDefined();
  });

  it("accepting a shown token as a new user: invitation.accepted and member.added, no email verified", async () => {
    const { owner, organization } = await organizationWithOwner();
    const email = `new.${unique()}@events-a.example`;
    const invitation = await inviteShown(owner, { email, role: "member" });
    const session = await acceptInvitation({ token: invitation.token, password: PASSWORD });
    const accepted = await theEvent("invitation.accepted", { invitation_id: invitation.id });
    expect(hex(accepted.organization_id)).toBe(organization.id);
    expect(accepted.actor).toEqual({ type: "user", id: session.userId });
    expect(accepted.data).toEqual({ invitation_id: invitation.id, email, role: "member", user_id: session.userId });
    const added = await theEvent("member.added", { user_id: session.userId });
    expect(hex(added.organization_id)).toBe(organization.id);
    expect(added.data).toEqual({ user_id: session.userId, email, role: "member", invitation_id: invitation.id });
    for (const event of [accepted, added]) expect(JSON.stringify(event.data)).not.toContain(invitation.token);
    expect(await eventsOf("user.email_verified", { user_id: session.userId })).toHaveLength(0);
  });

  it("accepting a mailed link as a new user: also user.email_verified, in the organization joined", async () => {
    const { owner, organization } = await organizationWithOwner();
    useSmtp();
    const email = `mailed.${unique()}@events-a.example`;
    const invitation = await inviteMember(owner, { email, role: "admin" });
    const token = new URL(linkIn(await mailbox().next(email))).hash.replace("#invitation=", "");
    const session = await acceptInvitation({ token, password: PASSWORD });
    await theEvent("invitation.accepted", { invitation_id: invitation.id });
    await theEvent("member.added", { user_id: session.userId });
    const verified = await theEvent("user.email_verified", { user_id: session.userId });
    expect(hex(verified.organization_id)).toBe(organization.id);
    expect(verified.data).toEqual({ user_id: session.userId, email });
    expect(JSON.stringify(verified.data)).not.toContain(token);
  });

  it("accepting a mailed link as an existing unverified user: user.email_verified in each of their organizations", async () => {
    const first = await organizationWithOwner();
    const second = await organizationWithOwner();
    useSmtp();
    const invitation = await inviteMember(second.owner, { email: first.email, role: "member" });
    const token = new URL(linkIn(await mailbox().next(first.email))).hash.replace("#invitation=", "");
    const session = await acceptInvitation({ token, password: PASSWORD });
    expect(session.userId).toBe(first.owner.userId);
    await theEvent("invitation.accepted", { invitation_id: invitation.id });
    await theEvent("member.added", { user_id: session.userId, invitation_id: invitation.id });
    const verified = await eventsOf("user.email_verified", { user_id: session.userId });
    expect(verified.map((event) => hex(event.organization_id)).sort()).toEqual(
      [first.organization.id, second.organization.id].sort(),
    );
    for (const event of verified) expect(event.data).toEqual({ user_id: session.userId, email: first.email });
    const user = await (await database()).users.findOne({ _id: new ObjectId(session.userId) });
    expect(user!.email_verified).toBe(true);
  });
});

describe("the user's own account", () => {
  it("user.mfa_enabled and user.mfa_disabled: one per organization the user belongs to", async () => {
    const first = await organizationWithOwner();
    const second = await organizationWithOwner();
    const invitation = await inviteShown(second.owner, { email: first.email, role: "member" });
    await acceptInvitation({ token: invitation.token, password: PASSWORD });
    const actor = await authenticate(
      (await loginWithPassword({ email: first.email, password: PASSWORD, organizationName: first.organization.name }))
        .accessToken,
    );
    const userId = first.owner.userId;
    const organizations = [first.organization.id, second.organization.id].sort();

    const enrollment = await enrollTotp(actor);
    const { recoveryCodes } = await verifyTotpEnrollment(actor, { code: totpCode(enrollment.secret) });
    const enabled = await eventsOf("user.mfa_enabled", { user_id: userId });
    expect(enabled.map((event) => hex(event.organization_id)).sort()).toEqual(organizations);
    for (const event of enabled) {
      expect(event.data).toEqual({ user_id: userId, email: first.email });
      expect(event.actor).toEqual({ type: "user", id: userId });
      expect(JSON.stringify(event.data)).not.toContain(enrollment.secret);
      for (const code of recoveryCodes) expect(JSON.stringify(event.data)).not.toContain(code);
    }

    await disableTotp(actor, { password: PASSWORD });
    const disabled = await eventsOf("user.mfa_disabled", { user_id: userId });
    expect(disabled.map((event) => hex(event.organization_id)).sort()).toEqual(organizations);
    for (const event of disabled) expect(event.data).toEqual({ user_id: userId, email: first.email });
    expect(await eventsOf("user.mfa_enabled", { user_id: userId })).toHaveLength(2);
  });

  it("user.email_verified from the mailed link: one per organization the user belongs to, once", async () => {
    const first = await organizationWithOwner();
    const second = await organizationWithOwner();
    const invitation = await inviteShown(second.owner, { email: first.email, role: "member" });
    await acceptInvitation({ token: invitation.token, password: PASSWORD });
    const userId = first.owner.userId;
    // The shown token proved nothing: the address is not verified yet.
    expect(await eventsOf("user.email_verified", { user_id: userId })).toHaveLength(0);

    const token = mailedToken(first.email, "verify");
    await verifyEmail({ token });
    const verified = await eventsOf("user.email_verified", { user_id: userId });
    expect(verified.map((event) => hex(event.organization_id)).sort()).toEqual(
      [first.organization.id, second.organization.id].sort(),
    );
    for (const event of verified) {
      expect(event.data).toEqual({ user_id: userId, email: first.email });
      expect(event.actor).toEqual({ type: "user", id: userId });
      expect(JSON.stringify(event.data)).not.toContain(token);
    }
    const user = await (await database()).users.findOne({ _id: new ObjectId(userId) });
    expect(user!.email_verified).toBe(true);
  });
});
