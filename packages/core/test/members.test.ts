import { SESv2Client } from "@aws-sdk/client-sesv2";
import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  acceptInvitation,
  authenticate,
  changeMemberRole,
  closeDatabase,
  createOrganization,
  deleteOrganization,
  ForbiddenError,
  GoneError,
  inviteMember,
  listAudit,
  listInvitations,
  listMembers,
  login,
  OrganizationChoiceRequiredError,
  removeMember,
  resetConfig,
  revokeInvitation,
  UnauthenticatedError,
  ValidationError,
  type Actor,
  type Role,
} from "../src";
import { hashPassword } from "../src/passwords";
import {
  captureLogLines,
  database,
  inviteShown,
  sentMail,
  useIsolatedDatabases,
  loginWithPassword,
} from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.MAIL_FROM;
  delete process.env.MAX_PENDING_INVITATIONS;
  resetConfig();
});

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function organizationWithOwner() {
  const email = `owner.${unique()}@members.example`;
  const organization = await createOrganization({ organizationName: `Members ${unique()}`, email, password: PASSWORD });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, email };
}

/** Invite and accept as a new account: the member as an actor, and their first token. */
async function addMember(inviter: Actor, role: Role) {
  const email = `${role}.${unique()}@members.example`;
  const { token } = await inviteShown(inviter, { email, role });
  const session = await acceptInvitation({ token, password: PASSWORD });
  const actor: Actor = { userId: session.userId, organizationId: inviter.organizationId, role };
  return { email, actor, accessToken: session.accessToken };
}

describe("the last owner", () => {
  it("two owners demoting each other at once: exactly one succeeds, one owner stays", async () => {
    for (let round = 0; round < 3; round++) {
      const { owner } = await organizationWithOwner();
      const second = await addMember(owner, "owner");
      const results = await Promise.allSettled([
        changeMemberRole(owner, second.actor.userId, "admin"),
        changeMemberRole(second.actor, owner.userId, "admin"),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      const db = await database();
      const owners = await db.memberships.countDocuments({
        organization_id: new ObjectId(owner.organizationId),
        role: "owner",
      });
      expect(owners).toBe(1);
    }
  });

  it("two owners removing each other at once: exactly one succeeds", async () => {
    const { owner } = await organizationWithOwner();
    const second = await addMember(owner, "owner");
    const results = await Promise.allSettled([
      removeMember(owner, second.actor.userId),
      removeMember(second.actor, owner.userId),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });
});

describe("accepting an invitation", () => {
  it("twenty parallel accepts of one invitation: exactly one succeeds, the rest 410", async () => {
    const { owner } = await organizationWithOwner();
    const email = `racer.${unique()}@members.example`;
    const { token } = await inviteShown(owner, { email, role: "member" });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => acceptInvitation({ token, password: PASSWORD })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results.filter((r) => r.status === "rejected")) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(GoneError);
    }
    const db = await database();
    expect(await db.users.countDocuments({ email })).toBe(1);
    expect(await db.memberships.countDocuments({ email })).toBe(1);
  });

  it("unknown, revoked, used and expired tokens get one and the same 410", async () => {
    const { owner } = await organizationWithOwner();
    const db = await database();
    const invite = () => inviteShown(owner, { email: `x.${unique()}@members.example`, role: "member" });
    const used = await invite();
    await acceptInvitation({ token: used.token, password: PASSWORD });
    const expired = await invite();
    await db.invitations.updateOne(
      { _id: new ObjectId(expired.id) },
      { $set: { expires_at: new Date(Date.now() - 1) } },
    );
    const revoked = await invite();
    await revokeInvitation(owner, revoked.id);
    for (const token of ["no-such-token", used.token, expired.token, revoked.token]) {
      const error = await acceptInvitation({ token, password: PASSWORD }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GoneError);
      expect((error as Error).message).toBe("This invitation is unknown, used, revoked or expired.");
    }
  });

  it("an existing user proves it with their password or their token; a stranger's password is refused", async () => {
    const { owner } = await organizationWithOwner();
    const other = await organizationWithOwner();
    // other's owner is invited into the first organization.
    const byPassword = await inviteShown(owner, { email: other.email, role: "admin" });
    await expect(acceptInvitation({ token: byPassword.token, password: "not-their-password" })).rejects.toThrow(
      /incorrect/,
    );
    const session = await acceptInvitation({ token: byPassword.token, password: PASSWORD });
    expect(session).toMatchObject({ role: "admin", organization: { id: owner.organizationId } });

    const third = await organizationWithOwner();
    const byToken = await inviteShown(owner, { email: third.email, role: "member" });
    const joined = await acceptInvitation({ token: byToken.token }, {}, third.owner);
    expect(joined.userId).toBe(third.owner.userId);
  });

  it("refuses a second pending invitation of one email, a member's email, and past MAX_PENDING_INVITATIONS", async () => {
    process.env.MAX_PENDING_INVITATIONS = "2";
    resetConfig();
    const { owner, email } = await organizationWithOwner();
    await expect(inviteMember(owner, { email, role: "member" })).rejects.toThrow(/member already/);
    const pending = `pending.${unique()}@members.example`;
    await inviteMember(owner, { email: pending, role: "member" });
    await expect(inviteMember(owner, { email: pending, role: "admin" })).rejects.toThrow(/pending invitation/);
    await inviteMember(owner, { email: `two.${unique()}@members.example`, role: "member" });
    await expect(inviteMember(owner, { email: `three.${unique()}@members.example`, role: "member" })).rejects.toThrow(
      /2 pending invitations/,
    );
  });

  it("a new account's password follows the rules of every password set: no NULs or control characters", async () => {
    const { owner } = await organizationWithOwner();
    const { token } = await inviteShown(owner, { email: `nul.${unique()}@members.example`, role: "member" });
    const error = await acceptInvitation({ token, password: "\u0000".repeat(8) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(["password"]);
    // Nothing was used up: the invitation still works with a good password.
    await expect(acceptInvitation({ token, password: PASSWORD })).resolves.toMatchObject({ role: "member" });
  });

  it("an expired invitation gives way to a new one for the same email", async () => {
    const { owner } = await organizationWithOwner();
    const email = `again.${unique()}@members.example`;
    const first = await inviteShown(owner, { email, role: "member" });
    const db = await database();
    await db.invitations.updateOne({ _id: new ObjectId(first.id) }, { $set: { expires_at: new Date(Date.now() - 1) } });
    const second = await inviteShown(owner, { email, role: "member" });
    await expect(acceptInvitation({ token: second.token, password: PASSWORD })).resolves.toMatchObject({
      role: "member",
    });
  });
});

describe("roles", () => {
  it("a member cannot raise their own role (core checks members:manage for a change of oneself too)", async () => {
    const { owner } = await organizationWithOwner();
    const member = await addMember(owner, "member");
    await expect(changeMemberRole(member.actor, member.actor.userId, "admin")).rejects.toBeInstanceOf(ForbiddenError);
    const db = await database();
    expect(await db.memberships.findOne({ user_id: new ObjectId(member.actor.userId) })).toMatchObject({
      role: "member",
    });
  });
});

describe("revocation", () => {
  it("a role change revokes the member's earlier tokens at once; a fresh login carries the new role", async () => {
    const { owner } = await organizationWithOwner();
    const member = await addMember(owner, "member");
    await expect(authenticate(member.accessToken)).resolves.toMatchObject({ role: "member" });
    await changeMemberRole(owner, member.actor.userId, "admin");
    await expect(authenticate(member.accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
    const again = await loginWithPassword({ email: member.email, password: PASSWORD });
    await expect(authenticate(again.accessToken)).resolves.toMatchObject({ role: "admin" });
  });

  it("a removal revokes them too, and a user left without an organization is deleted", async () => {
    const { owner } = await organizationWithOwner();
    const member = await addMember(owner, "member");
    await removeMember(owner, member.actor.userId);
    await expect(authenticate(member.accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
    const db = await database();
    expect(await db.users.countDocuments({ email: member.email })).toBe(0);
  });

  it("deleting an organization removes its memberships and invitations, and only the users it leaves alone", async () => {
    const { organization, owner } = await organizationWithOwner();
    const other = await organizationWithOwner();
    const loner = await addMember(owner, "member");
    const shared = await inviteShown(owner, { email: other.email, role: "member" });
    await acceptInvitation({ token: shared.token, password: PASSWORD });
    await inviteMember(owner, { email: `left.${unique()}@members.example`, role: "member" });
    await deleteOrganization(owner, organization.name);
    const db = await database();
    const id = new ObjectId(organization.id);
    expect(await db.memberships.countDocuments({ organization_id: id })).toBe(0);
    expect(await db.invitations.countDocuments({ organization_id: id })).toBe(0);
    expect(await db.users.countDocuments({ email: loner.email })).toBe(0);
    expect(await db.users.countDocuments({ email: other.email })).toBe(1);
    await expect(login({ email: other.email, password: PASSWORD })).resolves.toMatchObject({
      organization: { id: other.organization.id },
    });
  });
});

describe("listing and auditing", () => {
  it("lists members a page at a time, every member once", async () => {
    const { owner } = await organizationWithOwner();
    for (let i = 0; i < 4; i++) await addMember(owner, "member");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listMembers(owner, { limit: 2, ...(cursor && { cursor }) });
      expect(page.members.length).toBeLessThanOrEqual(2);
      seen.push(...page.members.map((member) => member.email));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it("audits invitations, accepts, role changes and removals", async () => {
    const { owner } = await organizationWithOwner();
    const member = await addMember(owner, "member");
    const revoked = await inviteMember(owner, { email: `r.${unique()}@members.example`, role: "member" });
    await revokeInvitation(owner, revoked.id);
    await changeMemberRole(owner, member.actor.userId, "admin");
    await removeMember(owner, member.actor.userId);
    const { entries } = await listAudit(owner);
    expect(entries.map((entry) => entry.action).slice(0, 6)).toEqual([
      "member.removed",
      "member.role_changed",
      "invitation.revoked",
      "member.invited",
      "invitation.accepted",
      "member.invited",
    ]);
    expect(entries[1]).toMatchObject({ details: { from: "member", to: "admin" } });
  });
});

describe("login to one of several organizations", () => {
  it("lists them (after the password) when none is named, and logs into the named one", async () => {
    const first = await organizationWithOwner();
    const second = await createOrganization({ organizationName: `Second ${unique()}` }, {}, first.owner);
    const error = await login({ email: first.email, password: PASSWORD }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrganizationChoiceRequiredError);
    expect((error as OrganizationChoiceRequiredError).extensions.organizations).toHaveLength(2);
    const session = await loginWithPassword({ email: first.email, password: PASSWORD, organizationName: second.name });
    expect(session.organization.id).toBe(second.id);
  });
});

describe("migration of databases with one admin per organization", () => {
  it("turns each admin into a user and owner, once, and they log in with their organization", async () => {
    const db = await database();
    const organizationId = new ObjectId();
    const adminId = new ObjectId();
    const name = `Legacy ${unique()}`;
    const slug = name.toLowerCase().replaceAll(" ", "_");
    const email = `legacy.${unique()}@members.example`;
    const now = new Date();
    // What the earlier version wrote: a record naming its admin, the admin, the tenant collection.
    await db.organizations.insertOne({
      _id: organizationId,
      admin_id: adminId,
      name,
      slug,
      collection_name: `org_${slug}`,
      created_at: now,
      updated_at: now,
    });
    await db.legacyAdmins.insertOne({
      _id: adminId,
      email,
      password_hash: await hashPassword(PASSWORD),
      credentials_version: 3,
      organization_id: organizationId,
      created_at: now,
      updated_at: now,
    });
    await db.tenants.createCollection(`org_${slug}`);

    // A new container: the migration runs on connect. Twice: it is idempotent.
    for (let container = 0; container < 2; container++) {
      await closeDatabase();
      await database();
    }
    const migrated = await database();
    expect(await migrated.legacyAdmins.countDocuments({})).toBe(0);
    expect(await migrated.users.findOne({ _id: adminId })).toMatchObject({ email, credentials_version: 3 });
    expect(await migrated.memberships.countDocuments({ user_id: adminId, role: "owner" })).toBe(1);
    const session = await loginWithPassword({ email, password: PASSWORD });
    expect(session).toMatchObject({
      userId: adminId.toHexString(),
      role: "owner",
      organization: { id: organizationId.toHexString() },
    });
    await expect(authenticate(session.accessToken)).resolves.toMatchObject({
      organizationId: organizationId.toHexString(),
    });
  });
});

describe("invitation mail", () => {
  it("without a mail transport, goes to the outbox (and the log) with its accept link, which the inviter is shown", async () => {
    const { owner, organization } = await organizationWithOwner();
    const email = `mailed.${unique()}@members.example`;
    const invitation = await inviteShown(owner, { email, role: "member" });
    expect(invitation.mailSent).toBe(true);
    const mail = sentMail().at(-1)!;
    expect(mail).toMatchObject({ to: email, subject: `You are invited to ${organization.name} on org-service` });
    expect(mail.text).toContain(invitation.acceptUrl);
  });

  it("with MAIL_FROM, is sent through Amazon SES v2 (the SDK client stubbed at its send boundary), and the inviter is not shown the link", async () => {
    process.env.MAIL_FROM = "invitations@service.example";
    resetConfig();
    const send = vi.spyOn(SESv2Client.prototype, "send").mockResolvedValue({ MessageId: "m-1" } as never);
    const { owner } = await organizationWithOwner();
    // The owner's sign-up mailed its verification link: only what the invitation sends counts here.
    send.mockClear();
    const email = `ses.${unique()}@members.example`;
    const invitation = await inviteMember(owner, { email, role: "admin" });
    expect(invitation.mailSent).toBe(true);
    expect(invitation).not.toHaveProperty("token");
    expect(invitation).not.toHaveProperty("acceptUrl");
    expect(send).toHaveBeenCalledTimes(1);
    const command = send.mock.calls[0]![0] as unknown as { input: Record<string, unknown> };
    expect(command.input).toMatchObject({
      FromEmailAddress: "invitations@service.example",
      Destination: { ToAddresses: [email] },
    });
    expect(JSON.stringify(command.input)).toMatch(/#invitation=[\w-]{43}/);
  });

  it("a failing send never fails the invitation, and its log line names the recipient's domain only", async () => {
    process.env.MAIL_FROM = "invitations@service.example";
    resetConfig();
    vi.spyOn(SESv2Client.prototype, "send").mockRejectedValue(new Error("MessageRejected: bounce.x@members.example"));
    const { owner } = await organizationWithOwner();
    const email = `bounce.${unique()}@members.example`;
    const logs = captureLogLines();
    try {
      const invitation = await inviteMember(owner, { email, role: "member" });
      expect(invitation.mailSent).toBe(false);
    } finally {
      logs.stop();
    }
    const warning = logs.records().find((record) => record.message === "mail not sent");
    expect(warning).toMatchObject({ to_domain: "members.example", error: "Error" });
    expect(logs.lines.join("\n")).not.toContain("bounce.");
    // Still pending: the owner revokes it and invites again.
    expect((await listInvitations(owner)).invitations.map((pending) => pending.email)).toContain(email);
  });
});
