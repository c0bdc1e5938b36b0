import { decodeJwt } from "jose";
import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  type AuthenticatedActor,
  authenticate,
  clientCredentialsGrant,
  completeMfaLogin,
  confirmPasswordReset,
  createOrganization,
  createOrganizationClient,
  enrollTotp,
  ForbiddenError,
  getMe,
  getOrganization,
  InvalidCredentialsError,
  inviteMember,
  listAudit,
  listDocuments,
  listMembers,
  listSessions,
  login,
  logout,
  MfaEnrollmentRequiredError,
  PasswordChangeRequiredError,
  type PoliciesPatchInput,
  refreshSession,
  type Role,
  switchOrganization,
  updateOrganization,
  updateOrganizationPolicies,
  ValidationError,
  verifyTotpEnrollment,
} from "../src";
import { issueAccountToken } from "../src/account/tokens";
import { database, inviteShown, loginWithPassword, totpCode, useIsolatedDatabases } from "../src/testing";

/**
 * Organization security policies (policies/): who may set them, what they accept, and every path
 * each one is enforced on — written as the attempts to get around them.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

const PASSWORD = "password-123"; // 12 bytes
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

const FULL_MEMBER_SCOPE = "org:read profile:write data:read data:write";
const ENROLLING_SCOPE = "org:read profile:write";

/** An organization and its owner, signed in: the owner's actor as authentication makes it. */
async function organizationWithOwner(domain = "policies.example") {
  const email = `owner.${unique()}@${domain}`;
  const name = `Policies ${unique()}`;
  const organization = await createOrganization({ organizationName: name, email, password: PASSWORD });
  const owner = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
  return { name, organization, owner, email };
}

/** A new account invited and accepted: its email, its first session. */
async function addMember(owner: AuthenticatedActor, role: Role = "member", domain = "policies.example") {
  const email = `${role}.${unique()}@${domain}`;
  const { token } = await inviteShown(owner, { email, role });
  const session = await acceptInvitation({ token, password: PASSWORD });
  return { email, session };
}

const setPolicies = (owner: AuthenticatedActor, patch: PoliciesPatchInput) => updateOrganizationPolicies(owner, patch);

const claimsOf = (accessToken: string) => decodeJwt(accessToken);

async function storedPolicies(organizationId: string) {
  const db = await database();
  return (await db.organizations.findOne({ _id: new ObjectId(organizationId) }, { projection: { policies: 1 } }))
    ?.policies;
}

/** A moment 10 s into a 30-second step: a code computed for it stays valid for the whole test. */
const midStep = () => new Date(Math.floor(Date.now() / 30_000) * 30_000 + 10_000);

describe("changing the policies", () => {
  it("is for owners only: an admin, a member and an owner's token without the scope are refused, nothing changes", async () => {
    const { owner, organization } = await organizationWithOwner();
    const others = await Promise.all((["admin", "member"] as const).map((role) => addMember(owner, role)));
    for (const { session } of others) {
      const actor = await authenticate(session.accessToken);
      await expect(setPolicies(actor, { requireMfa: true })).rejects.toBeInstanceOf(ForbiddenError);
    }
    const narrowed = { ...owner, scopes: owner.scopes?.filter((scope) => scope !== "org:policies") };
    await expect(setPolicies(narrowed, { minPasswordLength: 20 })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await storedPolicies(organization.id)).toBeUndefined();
  });

  it("takes any subset, keeps the rest, answers all, and audits each change with before and after (no change: no entry)", async () => {
    const { owner, organization } = await organizationWithOwner();
    await expect(setPolicies(owner, { requireMfa: true })).resolves.toEqual({
      requireMfa: true,
      minPasswordLength: null,
      invitationDomains: [],
    });
    await expect(
      setPolicies(owner, {
        minPasswordLength: 16,
        invitationDomains: ["Acme.EXAMPLE", "bücher.example", "acme.example"],
      }),
    ).resolves.toEqual({
      requireMfa: true,
      minPasswordLength: 16,
      invitationDomains: ["acme.example", "xn--bcher-kva.example"],
    });
    expect(await storedPolicies(organization.id)).toEqual({
      require_mfa: true,
      min_password_length: 16,
      invitation_domains: ["acme.example", "xn--bcher-kva.example"],
    });
    // The same again changes nothing, and is not audited.
    await setPolicies(owner, { minPasswordLength: 16 });
    // Back to the defaults: nothing left on the record.
    await setPolicies(owner, { requireMfa: false, minPasswordLength: null, invitationDomains: [] });
    expect(await storedPolicies(organization.id)).toBeUndefined();

    const entries = (await listAudit(owner)).entries.filter(
      (entry) => entry.action === "organization.policies_changed",
    );
    expect(entries.map((entry) => entry.details)).toEqual([
      {
        require_mfa_before: true,
        require_mfa_after: false,
        min_password_length_before: "16",
        min_password_length_after: "none",
        invitation_domains_before: "acme.example,xn--bcher-kva.example",
        invitation_domains_after: "",
      },
      {
        min_password_length_before: "none",
        min_password_length_after: "16",
        invitation_domains_before: "",
        invitation_domains_after: "acme.example,xn--bcher-kva.example",
      },
      { require_mfa_before: false, require_mfa_after: true },
    ]);
    expect(entries[0]).toMatchObject({ userId: owner.userId, email: owner.email });
  });

  it("refuses every bad value with a 422 naming the field, and writes nothing", async () => {
    const { owner, organization } = await organizationWithOwner();
    const refused: [PoliciesPatchInput, string][] = [
      [{}, ""],
      [{ minPasswordLength: 7 }, "minPasswordLength"],
      [{ minPasswordLength: 73 }, "minPasswordLength"],
      [{ minPasswordLength: 12.5 }, "minPasswordLength"],
      [{ minPasswordLength: "12" as never }, "minPasswordLength"],
      [{ requireMfa: "yes" as never }, "requireMfa"],
      [{ invitationDomains: "acme.example" as never }, "invitationDomains"],
      [{ invitationDomains: Array.from({ length: 51 }, (_, index) => `d${index}.example`) }, "invitationDomains"],
      [{ unknown: true } as never, "unknown"],
    ];
    for (const domain of [
      "localhost",
      "127.0.0.1",
      "0x7f.1",
      "[::1]",
      "*.acme.example",
      "acme.example.",
      "a..example",
      "ex%61mple.com",
      "acme.example:443",
      "user@acme.example",
      "-acme.example",
      "acme.123",
      "",
    ]) {
      refused.push([{ invitationDomains: ["fine.example", domain] }, "invitationDomains.1"]);
    }
    for (const [patch, path] of refused) {
      const error = await setPolicies(owner, patch).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(patch)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toContain(path);
    }
    expect(await storedPolicies(organization.id)).toBeUndefined();
  });

  it("are shown by GET /org/get to members, and to nobody else", async () => {
    const { owner, name } = await organizationWithOwner();
    const { email } = await addMember(owner, "member");
    await setPolicies(owner, { requireMfa: true, minPasswordLength: 12, invitationDomains: ["policies.example"] });
    const session = await loginWithPassword({ email, password: PASSWORD });
    const expected = { requireMfa: true, minPasswordLength: 12, invitationDomains: ["policies.example"] };
    // A member (whose token is only for enrolling a second factor, even) sees them.
    const member = await authenticate(session.accessToken);
    expect(member.mfaEnrollmentRequired).toBe(true);
    expect(await getOrganization(name, member)).toMatchObject({ policies: expected });
    expect(await getOrganization(name)).not.toHaveProperty("policies");
    const stranger = (await organizationWithOwner()).owner;
    expect(await getOrganization(name, stranger)).not.toHaveProperty("policies");
  });
});

describe("require_mfa", () => {
  it("gives a member without a factor, at login, a token that only enrolls one: the claim, a narrowed scope, and core refusing the rest", async () => {
    const { owner } = await organizationWithOwner();
    const { email } = await addMember(owner);
    await setPolicies(owner, { requireMfa: true });
    const session = await loginWithPassword({ email, password: PASSWORD });
    expect(session.mfaEnrollmentRequired).toBe(true);
    expect(claimsOf(session.accessToken)).toMatchObject({ mfa_enrollment_required: true, scope: ENROLLING_SCOPE });

    const actor = await authenticate(session.accessToken);
    expect(actor.mfaEnrollmentRequired).toBe(true);
    const elsewhere = await inviteShown((await organizationWithOwner()).owner, { email, role: "member" });
    // Its data, even with the scope forged back onto the actor, and every other operation of its two scopes.
    for (const attempt of [
      () => listDocuments(actor),
      () => listDocuments({ ...actor, scopes: undefined }),
      () => listMembers(actor),
      () => switchOrganization(actor, { organizationName: "Anything" }),
      () =>
        updateOrganization(actor, {
          organizationName: "Anything",
          password: "another-password-1",
          currentPassword: PASSWORD,
        }),
      // Another organization of their own, or joining one with the token instead of the password.
      () => createOrganization({ organizationName: `Escape ${unique()}` }, {}, actor),
      () => acceptInvitation({ token: elsewhere.token }, {}, actor),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(MfaEnrollmentRequiredError);
    }
    // What enrolling needs.
    await expect(getMe(actor)).resolves.toMatchObject({ email });
    // The accept's session and this one.
    expect((await listSessions(actor)).sessions).toHaveLength(2);
    await expect(enrollTotp(actor)).resolves.toMatchObject({ secret: expect.any(String) });
    await expect(logout(actor)).resolves.toBeUndefined();
  });

  it("stays restricted through refreshes until the member enrolls; the refresh after enrolling gives a full token", async () => {
    const { owner } = await organizationWithOwner();
    await setPolicies(owner, { requireMfa: true });
    const { session } = await addMember(owner);
    // Accepting the invitation opened a restricted session too.
    expect(claimsOf(session.accessToken)).toMatchObject({ mfa_enrollment_required: true, scope: ENROLLING_SCOPE });
    const again = await refreshSession({ refreshToken: session.refreshToken });
    expect(claimsOf(again.accessToken)).toMatchObject({ mfa_enrollment_required: true, scope: ENROLLING_SCOPE });

    const actor = await authenticate(again.accessToken);
    const { secret } = await enrollTotp(actor);
    await verifyTotpEnrollment(actor, { code: totpCode(secret, midStep()) }, { now: midStep() });
    // The token in hand stays what it was until it expires; the next one is whole.
    await expect(listDocuments(actor)).rejects.toBeInstanceOf(MfaEnrollmentRequiredError);
    const full = await refreshSession({ refreshToken: again.refreshToken });
    expect(full.mfaEnrollmentRequired).toBeUndefined();
    expect(claimsOf(full.accessToken)).not.toHaveProperty("mfa_enrollment_required");
    expect(claimsOf(full.accessToken).scope).toBe(FULL_MEMBER_SCOPE);
    await expect(listDocuments(await authenticate(full.accessToken))).resolves.toBeDefined();
  });

  it("restricts a session opened before the policy at its next refresh, and lifts it when the policy is turned off", async () => {
    const { owner } = await organizationWithOwner();
    const { session } = await addMember(owner);
    expect(claimsOf(session.accessToken).scope).toBe(FULL_MEMBER_SCOPE);
    await setPolicies(owner, { requireMfa: true });
    const restricted = await refreshSession({ refreshToken: session.refreshToken });
    expect(claimsOf(restricted.accessToken)).toMatchObject({ mfa_enrollment_required: true, scope: ENROLLING_SCOPE });
    await setPolicies(owner, { requireMfa: false });
    const lifted = await refreshSession({ refreshToken: restricted.refreshToken });
    expect(claimsOf(lifted.accessToken).scope).toBe(FULL_MEMBER_SCOPE);
  });

  it("is not escaped by switching: into an organization that requires it the session is restricted, and a restricted token switches nowhere", async () => {
    const strict = await organizationWithOwner();
    const relaxed = await organizationWithOwner();
    const { email } = await addMember(strict.owner);
    const { token } = await inviteShown(relaxed.owner, { email, role: "member" });
    await acceptInvitation({ token, password: PASSWORD });
    await setPolicies(strict.owner, { requireMfa: true });

    const elsewhere = await loginWithPassword({ email, password: PASSWORD, organizationName: relaxed.name });
    expect(claimsOf(elsewhere.accessToken).scope).toBe(FULL_MEMBER_SCOPE);
    const switched = await switchOrganization(await authenticate(elsewhere.accessToken), {
      organizationName: strict.name,
    });
    if ("mfaRequired" in switched) throw new Error("no factor: no code step");
    expect(claimsOf(switched.accessToken)).toMatchObject({ mfa_enrollment_required: true, scope: ENROLLING_SCOPE });
    await expect(
      switchOrganization(await authenticate(switched.accessToken), { organizationName: relaxed.name }),
    ).rejects.toBeInstanceOf(MfaEnrollmentRequiredError);
  });

  it("leaves a member with a factor to the usual code step, with a full token after it; machine clients are not members", async () => {
    const { owner, email } = await organizationWithOwner();
    const { secret } = await enrollTotp(owner);
    await verifyTotpEnrollment(owner, { code: totpCode(secret, midStep()) }, { now: midStep() });
    const client = await createOrganizationClient(owner, { name: "sync", scopes: ["data:read"] });
    await setPolicies(owner, { requireMfa: true });

    const step = await login({ email, password: PASSWORD });
    if (!("mfaRequired" in step)) throw new Error("expected the code step");
    const next = new Date(midStep().getTime() + 30_000);
    const session = await completeMfaLogin({ mfaToken: step.mfaToken, code: totpCode(secret, next) }, { now: next });
    expect(session.mfaEnrollmentRequired).toBeUndefined();
    expect(claimsOf(session.accessToken)).not.toHaveProperty("mfa_enrollment_required");
    expect(String(claimsOf(session.accessToken).scope)).toContain("org:policies");

    const { accessToken } = await clientCredentialsGrant({
      grantType: "client_credentials",
      clientId: client.clientId,
      clientSecret: client.secret.secret,
      scope: undefined,
    });
    await expect(listDocuments(await authenticate(accessToken))).resolves.toBeDefined();
  });
});

describe("min_password_length", () => {
  it("refuses a short new password at an invitation's accept (a new account and an existing one alike), naming the minimum", async () => {
    const { owner } = await organizationWithOwner();
    await setPolicies(owner, { minPasswordLength: 16 });
    const email = `short.${unique()}@policies.example`;
    const { token } = await inviteShown(owner, { email, role: "member" });
    const error = await acceptInvitation({ token, password: PASSWORD }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: "password", message: expect.stringMatching(/at least 16 bytes.*"Policies /) },
    ]);
    const db = await database();
    expect(await db.users.countDocuments({ email })).toBe(0);
    await expect(acceptInvitation({ token, password: "a-long-password-16" })).resolves.toMatchObject({
      role: "member",
    });

    // An existing account's password (12 bytes, chosen elsewhere) is held to it the same way.
    const other = await organizationWithOwner();
    const { token: second } = await inviteShown(owner, { email: other.email, role: "member" });
    await expect(acceptInvitation({ token: second, password: PASSWORD })).rejects.toBeInstanceOf(ValidationError);
  });

  it("holds a password reset to the strictest of the user's organizations; refused, the link still works", async () => {
    const first = await organizationWithOwner();
    const second = await organizationWithOwner();
    const { email, session } = await addMember(first.owner);
    const { token } = await inviteShown(second.owner, { email, role: "member" });
    await acceptInvitation({ token, password: PASSWORD });
    await setPolicies(first.owner, { minPasswordLength: 14 });
    await setPolicies(second.owner, { minPasswordLength: 20 });

    const db = await database();
    const userId = new ObjectId(session.userId);
    const { token: link } = await issueAccountToken(db, {
      purpose: "password_reset",
      userId,
      email,
      ttlSeconds: 3600,
      now: new Date(),
    });
    const error = await confirmPasswordReset({ token: link, password: "sixteen-bytes-16" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.message).toContain(`at least 20 bytes`);
    expect((error as ValidationError).issues[0]!.message).toContain(second.name);
    await expect(confirmPasswordReset({ token: link, password: "twenty-bytes-long-20" })).resolves.toBeUndefined();
    await expect(
      loginWithPassword({ email, password: "twenty-bytes-long-20", organizationName: second.name }),
    ).resolves.toBeDefined();
  });

  it("holds a change of one's own password to it", async () => {
    const { owner, name } = await organizationWithOwner();
    await setPolicies(owner, { minPasswordLength: 16 });
    await expect(
      updateOrganization(owner, { organizationName: name, password: "fifteen-bytes15", currentPassword: PASSWORD }),
    ).rejects.toThrow(/at least 16 bytes/);
    const changed = await updateOrganization(owner, {
      organizationName: name,
      password: "sixteen-bytes-16",
      currentPassword: PASSWORD,
    });
    expect(changed.session).toBeDefined();
  });

  it("refuses a login whose right password is shorter than a minimum raised since, opening no session; a wrong one is still just wrong", async () => {
    const { owner, name } = await organizationWithOwner();
    const { email, session } = await addMember(owner);
    await setPolicies(owner, { minPasswordLength: 13 });
    const db = await database();
    const userId = new ObjectId(session.userId);
    const sessionsBefore = await db.sessions.countDocuments({ user_id: userId });

    const error = await login({ email, password: PASSWORD }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PasswordChangeRequiredError);
    expect((error as PasswordChangeRequiredError).extensions).toEqual({ min_password_length: 13 });
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).toContain("/auth/password-reset");
    await expect(login({ email, password: "wrong-password" })).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(await db.sessions.countDocuments({ user_id: userId })).toBe(sessionsBefore);
    expect(await db.mfaChallenges.countDocuments({ user_id: userId })).toBe(0);
    const failures = (await listAudit(owner)).entries.filter((entry) => entry.action === "admin.login_failed");
    expect(failures.map((entry) => entry.details?.reason)).toEqual(["invalid_credentials", "password_change_required"]);
  });
});

describe("invitation_domains", () => {
  it("refuses an invitation to another domain (422 naming the allowed ones), and takes one at an allowed domain", async () => {
    const { owner } = await organizationWithOwner();
    await setPolicies(owner, { invitationDomains: ["acme.example", "bücher.example"] });
    for (const email of [
      `x.${unique()}@evil.example`,
      `x.${unique()}@sub.acme.example`,
      `x.${unique()}@acme.example.evil`,
    ]) {
      const error = await inviteMember(owner, { email, role: "member" }).catch((caught: unknown) => caught);
      expect(error, email).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        { path: "email", message: expect.stringContaining("acme.example, xn--bcher-kva.example") },
      ]);
    }
    const db = await database();
    expect(await db.invitations.countDocuments({ organization_id: new ObjectId(owner.organizationId) })).toBe(0);
    await expect(inviteMember(owner, { email: `Y.${unique()}@ACME.example`, role: "member" })).resolves.toBeDefined();
    await expect(
      inviteMember(owner, { email: `z.${unique()}@xn--bcher-kva.example`, role: "member" }),
    ).resolves.toBeDefined();
  });

  it("refuses to accept an invitation whose domain is no longer allowed, writing nothing; allowed again, it works", async () => {
    const { owner } = await organizationWithOwner();
    const email = `late.${unique()}@partner.example`;
    const { token } = await inviteShown(owner, { email, role: "member" });
    await setPolicies(owner, { invitationDomains: ["acme.example"] });
    const error = await acceptInvitation({ token, password: PASSWORD }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toContain("acme.example");
    const db = await database();
    expect(await db.users.countDocuments({ email })).toBe(0);
    await setPolicies(owner, { invitationDomains: ["acme.example", "partner.example"] });
    await expect(acceptInvitation({ token, password: PASSWORD })).resolves.toMatchObject({ role: "member" });
  });
});
