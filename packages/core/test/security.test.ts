import bcrypt from "bcryptjs";
import { afterAll, beforeEach, describe, expect, inject, it } from "vitest";
import {
  confirmEmailChange,
  authenticate,
  createOrganization,
  deleteOrganization,
  InvalidCredentialsError,
  listAudit,
  login,
  reconcile,
  resetConfig,
  TooManyAttemptsError,
  UnauthenticatedError,
  updateOrganization,
  ValidationError,
  type Actor,
} from "../src";
import { useIsolatedDatabases, database, loginWithPassword, mailedToken } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

let sequence = 0;
async function newOrganization() {
  const n = ++sequence;
  const input = { organizationName: `Secure Org ${n}`, email: `secure${n}@example.com`, password: "password-123" };
  const organization = await createOrganization(input, { sourceIp: "192.0.2.1", requestId: `create-${n}` });
  const actor: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { ...input, organization, actor };
}

describe("brute-force protection", () => {
  beforeEach(() => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "3";
    process.env.LOGIN_MAX_FAILURES_PER_IP = "6";
    process.env.LOGIN_FAILURE_WINDOW_SECONDS = "600";
    resetConfig();
  });

  it("refuses an email after too many failures, even with the right password, until the window passes", async () => {
    const { email, password } = await newOrganization();
    const ip = `198.51.100.${++sequence}`;
    for (let i = 0; i < 3; i++)
      await expect(login({ email, password: "wrong-password" }, { sourceIp: ip })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );

    const refused = await login({ email, password }, { sourceIp: ip }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(590);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeLessThanOrEqual(600);
    // From another address too: the email is what is under attack.
    await expect(login({ email, password }, { sourceIp: "203.0.113.9" })).rejects.toBeInstanceOf(TooManyAttemptsError);

    // The window passes (the failures age): the right password works again.
    const db = await database();
    await db.loginFailures.updateMany({ key: `email:${email}` }, { $set: { at: new Date(Date.now() - 601_000) } });
    await expect(login({ email, password }, { sourceIp: ip })).resolves.toBeDefined();
    // A success forgives the email's recent failures.
    await expect(login({ email, password: "wrong-password" }, { sourceIp: ip })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(login({ email, password }, { sourceIp: ip })).resolves.toBeDefined();
    expect(await db.loginFailures.countDocuments({ key: `email:${email}` })).toBe(0);
  });

  it("refuses an address after too many failures across emails", async () => {
    const target = await newOrganization();
    const ip = `198.51.100.${++sequence}`;
    for (let i = 0; i < 6; i++) {
      await expect(
        login({ email: `guess${i}.${sequence}@example.com`, password: "whatever-1" }, { sourceIp: ip }),
      ).rejects.toBeInstanceOf(InvalidCredentialsError);
    }
    await expect(login({ email: target.email, password: target.password }, { sourceIp: ip })).rejects.toBeInstanceOf(
      TooManyAttemptsError,
    );
    await expect(
      login({ email: target.email, password: target.password }, { sourceIp: "203.0.113.77" }),
    ).resolves.toBeDefined();
  });

  it("failures that happen at once: each counted before its comparison, so a burst gets no more comparisons than the limit", async () => {
    const { email } = await newOrganization();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        login({ email, password: "wrong-password" }, { sourceIp: "192.0.2.200" }).catch((error: unknown) => error),
      ),
    );
    const compared = outcomes.filter((outcome) => outcome instanceof InvalidCredentialsError).length;
    expect(compared).toBeLessThanOrEqual(3);
    expect(outcomes.filter((outcome) => outcome instanceof TooManyAttemptsError)).toHaveLength(8 - compared);
    // Each comparison stays counted (inserts, not a read-modify-write counter); a refusal compared nothing.
    const db = await database();
    expect(await db.loginFailures.countDocuments({ key: `email:${email}` })).toBe(compared);
    const next = login({ email, password: "password-123" });
    if (compared === 3) await expect(next).rejects.toBeInstanceOf(TooManyAttemptsError);
    else await expect(next).resolves.toBeDefined();
  });

  it("lets the reconciler delete expired failures (what a TTL index does where there is one)", async () => {
    const db = await database();
    await db.loginFailures.insertOne({
      key: "email:old@example.com",
      at: new Date(0),
      expires_at: new Date(1),
    } as never);
    const report = await reconcile({ graceSeconds: 0 });
    expect(report.expiredLoginFailuresDeleted).toBeGreaterThanOrEqual(1);
    expect(await db.loginFailures.countDocuments({ key: "email:old@example.com" })).toBe(0);
  });
});

describe("passwords bcrypt cannot tell apart", () => {
  it("refuses a password of NULs, or with any control character, when it is set", async () => {
    const n = ++sequence;
    for (const password of ["\u0000".repeat(8), "password\u0000", "pass\tword-123"]) {
      const refused = await createOrganization({
        organizationName: `Nul Org ${n}`,
        email: `nul${n}@example.com`,
        password,
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).issues).toEqual([
        { path: "password", message: "must not contain control characters (U+0000–U+001F, U+007F)" },
      ]);
    }
    const { organization, email, password } = await newOrganization();
    const actor = await authenticate((await loginWithPassword({ email, password })).accessToken);
    const refused = await updateOrganization(actor, {
      organizationName: organization.name,
      password: "\u0000".repeat(8),
      currentPassword: password,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((issue) => issue.path)).toEqual(["password"]);
  });

  it("a login with NULs or control characters is a wrong password, even for an account whose password was eight NULs", async () => {
    // Such an account could be created before NULs were refused. bcrypt ends its key at a NUL
    // and repeats it: the hash of eight NULs matches "\u0000" (and "").
    const { email } = await newOrganization();
    const db = await database();
    const nuls = "\u0000".repeat(8);
    const hash = await bcrypt.hash(nuls, 4);
    expect(await bcrypt.compare("\u0000", hash)).toBe(true);
    await db.users.updateOne({ email }, { $set: { password_hash: hash } });

    // Three tries: the brute-force tests above leave the limit at three failures per email.
    for (const attempt of ["\u0000", nuls, "password\t\u007f"]) {
      await expect(login({ email, password: attempt }, { sourceIp: "192.0.2.77" })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
  });
});

describe("revocation", () => {
  it("a password change revokes earlier tokens; the update hands over a working one", async () => {
    const { organization, email, password } = await newOrganization();
    const before = await loginWithPassword({ email, password });
    const actor = await authenticate(before.accessToken);
    const { session } = await updateOrganization(actor, {
      organizationName: organization.name,
      password: "the-new-password",
      currentPassword: password,
    });
    await expect(authenticate(before.accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(authenticate(session!.accessToken)).resolves.toEqual({ ...actor, sessionId: session!.sessionId });
  });

  it("an email change revokes earlier tokens; a rename alone does not", async () => {
    const { organization, email, password } = await newOrganization();
    const { accessToken } = await loginWithPassword({ email, password });
    const actor = await authenticate(accessToken);
    const { session: none } = await updateOrganization(actor, {
      organizationName: organization.name,
      newOrganizationName: `${organization.name} Renamed`,
    });
    expect(none).toBeUndefined();
    await expect(authenticate(accessToken)).resolves.toEqual(actor);
    const moved = `moved.${sequence}@example.com`;
    await updateOrganization(actor, {
      organizationName: `${organization.name} Renamed`,
      email: moved,
      currentPassword: password,
    });
    // Asked for, the change is pending: nothing is revoked until the new address confirms it.
    await expect(authenticate(accessToken)).resolves.toEqual(actor);
    await confirmEmailChange({ token: mailedToken(moved, "confirm-email") });
    await expect(authenticate(accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("a delete revokes every token of the organization", async () => {
    const { organization, email, password } = await newOrganization();
    const { accessToken } = await loginWithPassword({ email, password });
    await deleteOrganization(await authenticate(accessToken), organization.name);
    await expect(authenticate(accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("authorizer claims must name the token's own admin, organization and session", async () => {
    const { email, password, organization } = await newOrganization();
    const { accessToken, sessionId } = await loginWithPassword({ email, password });
    await expect(
      authenticate(accessToken, { sub: organization.adminId, org: organization.id, sid: sessionId }),
    ).resolves.toBeDefined();
    await expect(
      authenticate(accessToken, { sub: organization.adminId, org: organization.id, sid: "000000000000000000000000" }),
    ).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(
      authenticate(accessToken, { sub: organization.adminId, org: "000000000000000000000000", sid: sessionId }),
    ).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(authenticate(undefined)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe("audit log", () => {
  it("records create, login, failed login, update and delete with who, when, where and which request", async () => {
    const { organization, email, password, actor } = await newOrganization();
    await expect(
      login({ email, password: "wrong-password" }, { sourceIp: "192.0.2.7", requestId: "req-fail" }),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    await login({ email, password }, { sourceIp: "192.0.2.7", requestId: "req-login" });
    await updateOrganization(
      actor,
      {
        organizationName: organization.name,
        newOrganizationName: `Audited ${sequence}`,
        password: "another-password",
        currentPassword: password,
      },
      { sourceIp: "192.0.2.8", requestId: "req-update" },
    );

    const { entries } = await listAudit(actor);
    expect(entries.map((entry) => entry.action)).toEqual([
      "organization.update",
      "admin.login",
      "admin.login_failed",
      "organization.create",
    ]);
    expect(entries[0]).toMatchObject({
      userId: organization.adminId,
      sourceIp: "192.0.2.8",
      requestId: "req-update",
      details: { renamed_from: organization.name, password_changed: true, email_changed: false },
    });
    expect(entries[2]).toMatchObject({
      email,
      sourceIp: "192.0.2.7",
      requestId: "req-fail",
      details: { reason: "invalid_credentials" },
    });
    expect(entries[3]).toMatchObject({ sourceIp: "192.0.2.1" });
    for (const entry of entries) expect(entry.at).toBeInstanceOf(Date);

    const db = await database();
    const raw = JSON.stringify(await db.audit.find({}).toArray());
    expect(raw).not.toContain("password-123");
    expect(raw).not.toContain("another-password");
    expect(raw).not.toMatch(/\$2[aby]\$/);

    await deleteOrganization(actor, `Audited ${sequence}`, { requestId: "req-delete" });
    expect(
      await db.audit.countDocuments({
        action: "organization.delete",
        request_id: "req-delete",
        organization_id: organization.id as never,
      }),
    ).toBe(0);
    expect(await db.audit.countDocuments({ action: "organization.delete", request_id: "req-delete" })).toBe(1);
  });

  it("shows an organization only its own entries, newest first, a page at a time", async () => {
    const mine = await newOrganization();
    const theirs = await newOrganization();
    for (let i = 0; i < 5; i++) await login({ email: mine.email, password: mine.password }, { requestId: `mine-${i}` });
    await login({ email: theirs.email, password: theirs.password }, { requestId: "theirs" });

    const first = await listAudit(mine.actor, { limit: 2 });
    expect(first.entries.map((entry) => entry.requestId)).toEqual(["mine-4", "mine-3"]);
    const second = await listAudit(mine.actor, { limit: 2, before: first.nextCursor! });
    expect(second.entries.map((entry) => entry.requestId)).toEqual(["mine-2", "mine-1"]);
    const rest = await listAudit(mine.actor, { limit: 10, before: second.nextCursor! });
    expect(rest.entries.map((entry) => entry.action)).toEqual(["admin.login", "organization.create"]);
    expect(rest.nextCursor).toBeUndefined();
    const all = [...first.entries, ...second.entries, ...rest.entries];
    expect(all.some((entry) => entry.requestId === "theirs")).toBe(false);
  });
});
