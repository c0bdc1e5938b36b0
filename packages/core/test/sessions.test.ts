import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  type Actor,
  authenticate,
  changeMemberRole,
  ConflictError,
  createOrganization,
  deleteOrganization,
  InvalidGrantError,
  type IssuedSession,
  listAudit,
  listSessions,
  logout,
  NotFoundError,
  reconcile,
  refreshSession,
  removeMember,
  revokeOtherSessions,
  revokeSession,
  UnauthenticatedError,
  updateOrganization,
} from "../src";
import { openSession } from "../src/sessions/session";
import { database, inviteShown, loginWithPassword, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

const PASSWORD = "password-123";
const DAY = 86_400_000;
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function organizationWithOwner() {
  const email = `owner.${unique()}@sessions.example`;
  const organization = await createOrganization({
    organizationName: `Sessions ${unique()}`,
    email,
    password: PASSWORD,
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, email };
}

const refused = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(UnauthenticatedError);
const invalidGrant = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(InvalidGrantError);

describe("refresh", () => {
  it("rotates: a new access token and a new refresh token; the old refresh token no longer refreshes", async () => {
    const { email } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD }, { userAgent: "test-agent/1" });
    expect(login).toMatchObject({ expiresIn: 900, refreshExpiresIn: 7 * 86_400 });
    expect(login.refreshToken).toMatch(/^[\w-]{43}$/);

    const next = await refreshSession({ refreshToken: login.refreshToken });
    expect(next.sessionId).toBe(login.sessionId);
    expect(next.refreshToken).not.toBe(login.refreshToken);
    expect(next.accessToken).not.toBe(login.accessToken);
    await expect(authenticate(next.accessToken)).resolves.toMatchObject({ sessionId: login.sessionId });
    const third = await refreshSession({ refreshToken: next.refreshToken });
    await expect(authenticate(third.accessToken)).resolves.toBeDefined();

    // Only the hash is stored.
    const db = await database();
    expect(await db.refreshTokens.countDocuments({ _id: third.refreshToken })).toBe(0);
    expect(JSON.stringify(await db.sessions.findOne({ _id: new ObjectId(login.sessionId) }))).not.toContain(
      third.refreshToken,
    );
  });

  it("a reused refresh token answers 401 and revokes the whole session", async () => {
    const { email, organization } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD });
    const next = await refreshSession({ refreshToken: login.refreshToken });
    await invalidGrant(refreshSession({ refreshToken: login.refreshToken }));
    // The thief's or the owner's: neither pair works any more.
    await refused(authenticate(next.accessToken));
    await invalidGrant(refreshSession({ refreshToken: next.refreshToken }));
    const db = await database();
    expect(await db.sessions.countDocuments({ _id: new ObjectId(login.sessionId) })).toBe(0);
    const { entries } = await listAudit({
      userId: organization.adminId,
      organizationId: organization.id,
      role: "owner",
    });
    expect(entries[0]).toMatchObject({
      action: "session.refresh_reuse_detected",
      details: { session_id: login.sessionId },
    });
  });

  it("twenty parallel refreshes with one token: exactly one succeeds", async () => {
    const { email } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => refreshSession({ refreshToken: login.refreshToken })),
    );
    const succeeded = results.filter((result) => result.status === "fulfilled");
    expect(succeeded).toHaveLength(1);
    for (const result of results.filter((r) => r.status === "rejected")) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(InvalidGrantError);
    }
    // The others presented a used token: a reuse, so the session is revoked (a client refreshes once per token).
    await refused(authenticate((succeeded[0] as PromiseFulfilledResult<{ accessToken: string }>).value.accessToken));
  });

  it("unknown and malformed tokens get the same 401", async () => {
    await invalidGrant(refreshSession({ refreshToken: "no-such-token" }));
    await expect(refreshSession({ refreshToken: "" })).rejects.toMatchObject({ kind: "validation" });
  });
});

describe("expiry, on a controllable clock", () => {
  it("idle: a session unused for SESSION_IDLE_DAYS ends; each refresh pushes its idle end", async () => {
    const { email } = await organizationWithOwner();
    const start = new Date();
    const login = await loginWithPassword({ email, password: PASSWORD }, { now: start });
    const day = (n: number) => new Date(start.getTime() + n * DAY);
    // Six days later: alive; the refresh moves the idle end to day 13.
    const sixth = await refreshSession({ refreshToken: login.refreshToken }, { now: day(6) });
    expect(sixth.refreshExpiresIn).toBe(7 * 86_400);
    await expect(authenticate(sixth.accessToken, undefined, day(6))).resolves.toBeDefined();
    // Day 13 plus a second: idle too long.
    await refused(authenticate(sixth.accessToken, undefined, new Date(day(13).getTime() + 1000)));
    await invalidGrant(
      refreshSession({ refreshToken: sixth.refreshToken }, { now: new Date(day(13).getTime() + 1000) }),
    );
    const db = await database();
    expect(await db.sessions.countDocuments({ _id: new ObjectId(login.sessionId) })).toBe(0);
  });

  it("absolute: SESSION_TTL_DAYS after the login, refreshes or not", async () => {
    const { email } = await organizationWithOwner();
    const start = new Date();
    const day = (n: number) => new Date(start.getTime() + n * DAY);
    let tokens: IssuedSession = await loginWithPassword({ email, password: PASSWORD }, { now: start });
    for (const n of [6, 12, 18, 24])
      tokens = await refreshSession({ refreshToken: tokens.refreshToken }, { now: day(n) });
    // At day 24 the idle end (day 31) is capped by the absolute end (day 30).
    expect(tokens.refreshExpiresIn).toBe(6 * 86_400);
    tokens = await refreshSession({ refreshToken: tokens.refreshToken }, { now: day(29) });
    expect(tokens.refreshExpiresIn).toBe(86_400);
    await invalidGrant(refreshSession({ refreshToken: tokens.refreshToken }, { now: day(30) }));
  });

  it("pages sessions used at the same instant by id, so none is skipped or shown twice", async () => {
    const { email } = await organizationWithOwner();
    const instant = new Date(Date.now() - 60_000);
    const tied: string[] = [];
    for (let i = 0; i < 5; i++)
      tied.push((await loginWithPassword({ email, password: PASSWORD }, { now: instant })).sessionId);
    const current = await loginWithPassword({ email, password: PASSWORD });
    const actor = await authenticate(current.accessToken);

    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSessions(actor, { limit: 2, ...(cursor && { cursor }) });
      expect(page.sessions.length).toBeLessThanOrEqual(2);
      listed.push(...page.sessions.map((session) => session.sessionId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual([current.sessionId, ...[...tied].sort().reverse()]);

    for (const forged of ["nope", `${instant.getTime()}_not-an-id`]) {
      await expect(listSessions(actor, { cursor: forged })).rejects.toMatchObject({
        kind: "validation",
        issues: [{ path: "cursor" }],
      });
    }
  });

  it("the session list leaves ended sessions out, and the reconciler deletes them", async () => {
    const { email } = await organizationWithOwner();
    const old = await loginWithPassword({ email, password: PASSWORD }, { now: new Date(Date.now() - 8 * DAY) });
    const current = await loginWithPassword({ email, password: PASSWORD });
    const actor = await authenticate(current.accessToken);
    expect((await listSessions(actor)).sessions.map((s) => s.sessionId)).toEqual([current.sessionId]);
    const report = await reconcile({ graceSeconds: 0 });
    expect(report.expiredSessionsDeleted).toBeGreaterThanOrEqual(1);
    const db = await database();
    expect(await db.sessions.countDocuments({ _id: new ObjectId(old.sessionId) })).toBe(0);
    expect(await db.sessions.countDocuments({ _id: new ObjectId(current.sessionId) })).toBe(1);
  });
});

describe("logout and the session list", () => {
  it("logout: the access token is refused from the next request on, the refresh token is dead", async () => {
    const { email, organization } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD });
    const actor = await authenticate(login.accessToken);
    await logout(actor);
    await refused(authenticate(login.accessToken));
    await invalidGrant(refreshSession({ refreshToken: login.refreshToken }));
    await expect(logout(actor)).resolves.toBeUndefined();
    const { entries } = await listAudit({
      userId: organization.adminId,
      organizationId: organization.id,
      role: "owner",
    });
    expect(entries[0]).toMatchObject({ action: "session.logout", details: { session_id: login.sessionId } });
  });

  it("lists only the caller's own sessions, in every organization; another user's id is a 404", async () => {
    const first = await organizationWithOwner();
    const second = await createOrganization({ organizationName: `Second ${unique()}` }, {}, first.owner);
    const other = await organizationWithOwner();
    const a = await loginWithPassword(
      { email: first.email, password: PASSWORD, organizationName: first.organization.name },
      { sourceIp: "192.0.2.1", userAgent: "agent-a" },
    );
    const b = await loginWithPassword({ email: first.email, password: PASSWORD, organizationName: second.name });
    const stranger = await loginWithPassword({ email: other.email, password: PASSWORD });
    const actor = await authenticate(a.accessToken);

    const { sessions } = await listSessions(actor);
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([a.sessionId, b.sessionId].sort());
    expect(sessions.find((s) => s.sessionId === a.sessionId)).toMatchObject({
      organizationId: first.organization.id,
      sourceIp: "192.0.2.1",
      userAgent: "agent-a",
      current: true,
      mfa: false,
    });
    expect(sessions.find((s) => s.sessionId === b.sessionId)).toMatchObject({
      organizationId: second.id,
      current: false,
    });

    await expect(revokeSession(actor, stranger.sessionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(authenticate(stranger.accessToken)).resolves.toBeDefined();
    await revokeSession(actor, b.sessionId);
    await refused(authenticate(b.accessToken));
    await expect(revokeSession(actor, b.sessionId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("revoking all but the current session", async () => {
    const { email } = await organizationWithOwner();
    const [keep, ...others] = await Promise.all(
      Array.from({ length: 3 }, () => loginWithPassword({ email, password: PASSWORD })),
    );
    const actor = await authenticate(keep!.accessToken);
    expect(await revokeOtherSessions(actor)).toBe(2);
    for (const other of others) await refused(authenticate(other.accessToken));
    await expect(authenticate(keep!.accessToken)).resolves.toBeDefined();
    expect(await revokeOtherSessions(actor)).toBe(0);
  });
});

describe("revocation by the changes that sessions mirror", () => {
  it("a password change ends every other session of the user, in every organization; the caller's continues", async () => {
    const first = await organizationWithOwner();
    const second = await createOrganization({ organizationName: `Second ${unique()}` }, {}, first.owner);
    const here = await loginWithPassword({
      email: first.email,
      password: PASSWORD,
      organizationName: first.organization.name,
    });
    const elsewhere = await loginWithPassword({
      email: first.email,
      password: PASSWORD,
      organizationName: second.name,
    });
    const actor = await authenticate(here.accessToken);
    const { session } = await updateOrganization(actor, {
      organizationName: first.organization.name,
      password: "a-new-password",
      currentPassword: PASSWORD,
    });
    await refused(authenticate(here.accessToken));
    await refused(authenticate(elsewhere.accessToken));
    await invalidGrant(refreshSession({ refreshToken: elsewhere.refreshToken }));
    await invalidGrant(refreshSession({ refreshToken: here.refreshToken }));
    // The caller carries on with the answer's tokens, under a new id; the session keeps its start.
    expect(session!.sessionId).not.toBe(here.sessionId);
    const continued = await authenticate(session!.accessToken);
    const refreshed = await refreshSession({ refreshToken: session!.refreshToken });
    await expect(authenticate(refreshed.accessToken)).resolves.toBeDefined();
    const [listed] = (await listSessions(continued)).sessions;
    const db = await database();
    const original = await db.audit.findOne({ action: "admin.login", email: first.email });
    expect(listed!.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(listed!.createdAt.getTime()).toBeGreaterThanOrEqual(original!.at.getTime() - 1000);
  });

  it("a removal ends the member's sessions in that organization; a role change too (they log in again)", async () => {
    const { owner } = await organizationWithOwner();
    const join = async () => {
      const email = `m.${unique()}@sessions.example`;
      const { token } = await inviteShown(owner, { email, role: "member" });
      return acceptInvitation({ token, password: PASSWORD });
    };
    const promoted = await join();
    await expect(authenticate(promoted.accessToken)).resolves.toMatchObject({ role: "member" });
    await changeMemberRole(owner, promoted.userId, "admin");
    await refused(authenticate(promoted.accessToken));
    await invalidGrant(refreshSession({ refreshToken: promoted.refreshToken }));

    const removed = await join();
    await removeMember(owner, removed.userId);
    await refused(authenticate(removed.accessToken));
    await invalidGrant(refreshSession({ refreshToken: removed.refreshToken }));
  });

  it("deleting an organization ends every session in it", async () => {
    const { organization, email } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD });
    await deleteOrganization(await authenticate(login.accessToken), organization.name);
    await refused(authenticate(login.accessToken));
    const db = await database();
    expect(await db.sessions.countDocuments({ organization_id: new ObjectId(organization.id) })).toBe(0);
  });

  it("a session opened from a membership that changed meanwhile is refused and removed", async () => {
    const { organization, owner } = await organizationWithOwner();
    const db = await database();
    const membershipId = `${organization.id}:${owner.userId}`;
    const read = (await db.memberships.findOne({ _id: membershipId }))!;
    // A role change lands between the login's read of the membership and its session's insert.
    await db.memberships.updateOne({ _id: membershipId }, { $set: { grant: new ObjectId() } });
    await expect(openSession(db, read)).rejects.toBeInstanceOf(ConflictError);
    expect(await db.sessions.countDocuments({ membership_id: membershipId })).toBe(0);
  });

  it("the reconciler deletes sessions a change left behind when it died before deleting them", async () => {
    const { organization, owner, email } = await organizationWithOwner();
    const login = await loginWithPassword({ email, password: PASSWORD });
    const db = await database();
    // The change's first write, without its second (a crash in between).
    await db.memberships.updateOne(
      { _id: `${organization.id}:${owner.userId}` },
      { $set: { role: "admin", grant: new ObjectId() } },
    );
    await expect(authenticate(login.accessToken)).resolves.toBeDefined();
    const report = await reconcile({ graceSeconds: 0 });
    expect(report.staleSessionsRevoked).toBeGreaterThanOrEqual(1);
    await refused(authenticate(login.accessToken));
  });
});
