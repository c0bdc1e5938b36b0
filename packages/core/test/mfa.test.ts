import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  type AuthenticatedActor,
  authenticate,
  completeMfaLogin,
  ConflictError,
  createOrganization,
  disableTotp,
  enrollTotp,
  ForbiddenError,
  InvalidGrantError,
  listAudit,
  listSessions,
  login,
  type MfaRequired,
  NotFoundError,
  resetConfig,
  TooManyAttemptsError,
  verifyTotpEnrollment,
} from "../src";
import { database, inviteShown, loginWithPassword, totpCode, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => {
  delete process.env.LOGIN_MAX_FAILURES_PER_EMAIL;
  resetConfig();
});

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** A moment 10 s into a 30-second step: codes computed for it stay in that step. */
function midStep(offsetSteps = 0): Date {
  return new Date((Math.floor(Date.now() / 30_000) + offsetSteps) * 30_000 + 10_000);
}

/** A user with two-factor login on: their email, secret, recovery codes, and the actor of their first session. */
async function userWithTotp() {
  const email = `mfa.${unique()}@mfa.example`;
  const organization = await createOrganization({ organizationName: `Mfa ${unique()}`, email, password: PASSWORD });
  const first = await loginWithPassword({ email, password: PASSWORD });
  const actor = await authenticate(first.accessToken);
  const enrollment = await enrollTotp(actor);
  // A step before the tests' own codes, so enabling spends no code a test uses.
  const { recoveryCodes } = await verifyTotpEnrollment(
    actor,
    { code: totpCode(enrollment.secret, midStep(-1)) },
    { now: midStep(-1) },
  );
  return { email, organization, actor, secret: enrollment.secret, recoveryCodes };
}

async function challenge(email: string): Promise<MfaRequired> {
  const answer = await login({ email, password: PASSWORD });
  if (!("mfaRequired" in answer)) throw new Error("expected the code step");
  return answer;
}

describe("enrolling", () => {
  it("answers a secret, its otpauth URL and a QR code; a code from it enables, with ten recovery codes", async () => {
    const email = `enroll.${unique()}@mfa.example`;
    await createOrganization({ organizationName: `Enroll ${unique()}`, email, password: PASSWORD });
    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const enrollment = await enrollTotp(actor);
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.otpauthUrl).toMatch(
      new RegExp(
        `^otpauth://totp/org-service:${encodeURIComponent(email)}\\?issuer=org-service&secret=${enrollment.secret}&algorithm=SHA1&digits=6&period=30$`,
      ),
    );
    expect(enrollment.qrSvg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>\n?$/s);
    // Pending: the password alone still logs in.
    await expect(loginWithPassword({ email, password: PASSWORD })).resolves.toBeDefined();

    await expect(verifyTotpEnrollment(actor, { code: "000000" })).rejects.toBeInstanceOf(InvalidGrantError);
    const { recoveryCodes } = await verifyTotpEnrollment(actor, { code: totpCode(enrollment.secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const db = await database();
    const factor = await db.mfaFactors.findOne({});
    expect(JSON.stringify(await db.mfaFactors.find().toArray())).not.toContain(recoveryCodes[0]);
    expect(factor?.recovery_code_hashes).toHaveLength(10);

    await expect(enrollTotp(actor)).rejects.toBeInstanceOf(ConflictError);
    const { entries } = await listAudit(actor);
    expect(entries[0]).toMatchObject({ action: "mfa.enabled" });
  });

  it("verifying with nothing pending is a 404", async () => {
    const email = `none.${unique()}@mfa.example`;
    await createOrganization({ organizationName: `None ${unique()}`, email, password: PASSWORD });
    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    await expect(verifyTotpEnrollment(actor, { code: "123456" })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("logging in with two-factor login on", () => {
  it("the password answers the code step, without tokens; a code completes the login", async () => {
    const { email, secret } = await userWithTotp();
    const step = await challenge(email);
    expect(step).toEqual({ mfaRequired: true, mfaToken: expect.stringMatching(/^[\w-]{43}$/), expiresIn: 300 });
    expect(step).not.toHaveProperty("accessToken");
    const now = midStep();
    const session = await completeMfaLogin({ mfaToken: step.mfaToken, code: "000000" }, { now }).catch(
      (error: unknown) => error,
    );
    expect(session).toBeInstanceOf(InvalidGrantError);
    const done = await completeMfaLogin({ mfaToken: step.mfaToken, code: totpCode(secret, now) }, { now });
    const actor = await authenticate(done.accessToken);
    expect(actor).toMatchObject({ role: "owner" });
    expect((await listSessions(actor)).sessions.find((s) => s.current)).toMatchObject({ mfa: true });
  });

  it("a code works once within its time step; the challenge works once", async () => {
    const { email, secret } = await userWithTotp();
    const now = midStep();
    const code = totpCode(secret, now);
    const first = await challenge(email);
    await completeMfaLogin({ mfaToken: first.mfaToken, code }, { now });
    // Replayed within the step, on a new challenge: refused.
    const second = await challenge(email);
    await expect(completeMfaLogin({ mfaToken: second.mfaToken, code }, { now })).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
    // The next step's code completes it; the used challenge does not complete again.
    const later = midStep(1);
    await completeMfaLogin({ mfaToken: second.mfaToken, code: totpCode(secret, later) }, { now: later });
    await expect(
      completeMfaLogin({ mfaToken: first.mfaToken, code: totpCode(secret, midStep(2)) }, { now: midStep(2) }),
    ).rejects.toThrow(/unknown, used or expired/);
  });

  it("two parallel completions with one code: exactly one succeeds", async () => {
    const { email, secret } = await userWithTotp();
    const now = midStep();
    const [a, b] = await Promise.all([challenge(email), challenge(email)]);
    const results = await Promise.allSettled(
      [a, b].map((step) => completeMfaLogin({ mfaToken: step.mfaToken, code: totpCode(secret, now) }, { now })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("a challenge expires after 5 minutes", async () => {
    const { email, secret } = await userWithTotp();
    const step = await challenge(email);
    const late = new Date(Date.now() + 301_000);
    await expect(
      completeMfaLogin({ mfaToken: step.mfaToken, code: totpCode(secret, late) }, { now: late }),
    ).rejects.toThrow(/unknown, used or expired/);
  });

  it("recovery codes complete a login once each, and are audited", async () => {
    const { email, recoveryCodes, organization } = await userWithTotp();
    const [code] = recoveryCodes;
    const first = await challenge(email);
    // Case and separators do not matter.
    const done = await completeMfaLogin({ mfaToken: first.mfaToken, recoveryCode: ` ${code!.toUpperCase()} ` });
    await expect(authenticate(done.accessToken)).resolves.toBeDefined();
    const second = await challenge(email);
    await expect(completeMfaLogin({ mfaToken: second.mfaToken, recoveryCode: code! })).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
    await expect(
      completeMfaLogin({ mfaToken: second.mfaToken, recoveryCode: recoveryCodes[1]! }),
    ).resolves.toBeDefined();
    const { entries } = await listAudit({
      userId: organization.adminId,
      organizationId: organization.id,
      role: "owner",
    });
    const used = entries.filter((entry) => entry.action === "mfa.recovery_code_used");
    expect(used.map((entry) => entry.details?.remaining)).toEqual(["8", "9"]);
    expect(entries.find((entry) => entry.action === "admin.login_failed")).toMatchObject({
      details: { reason: "invalid_recovery_code" },
    });
  });

  it("wrong codes count against the login limits: past them, 429 with a wait, for the code and the password alike", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "3";
    resetConfig();
    const { email, secret } = await userWithTotp();
    const step = await challenge(email);
    const context = { sourceIp: `198.51.100.${sequence % 250}` };
    for (let i = 0; i < 3; i++) {
      await expect(completeMfaLogin({ mfaToken: step.mfaToken, code: "000000" }, context)).rejects.toBeInstanceOf(
        InvalidGrantError,
      );
    }
    const throttled = await completeMfaLogin({ mfaToken: step.mfaToken, code: totpCode(secret) }, context).catch(
      (error: unknown) => error,
    );
    expect(throttled).toBeInstanceOf(TooManyAttemptsError);
    expect((throttled as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(0);
    // Logging in again does not restart the count.
    await expect(login({ email, password: PASSWORD }, context)).rejects.toBeInstanceOf(TooManyAttemptsError);
  });
});

describe("disabling", () => {
  it("with the password or a current code; wrong ones are refused and counted", async () => {
    const { email, actor, secret } = await userWithTotp();
    await expect(disableTotp(actor, { password: "not-the-password" })).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(disableTotp(actor, { code: "000000" })).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(disableTotp(actor, {})).rejects.toMatchObject({ kind: "validation" });
    await expect(disableTotp(actor, { code: "1", password: "x" })).rejects.toMatchObject({ kind: "validation" });
    await disableTotp(actor, { code: totpCode(secret, midStep()) }, { now: midStep() });
    await expect(loginWithPassword({ email, password: PASSWORD })).resolves.toBeDefined();
    await expect(disableTotp(actor, { password: PASSWORD })).rejects.toBeInstanceOf(NotFoundError);
    const { entries } = await listAudit(actor);
    expect(entries.map((entry) => entry.action)).toContain("mfa.disabled");
  });

  it("with the password, and the old recovery codes are void", async () => {
    const { email, actor, recoveryCodes } = await userWithTotp();
    await disableTotp(actor, { password: PASSWORD });
    const enrollment = await enrollTotp(actor);
    await verifyTotpEnrollment(actor, { code: totpCode(enrollment.secret) });
    const step = await challenge(email);
    await expect(completeMfaLogin({ mfaToken: step.mfaToken, recoveryCode: recoveryCodes[0]! })).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
  });
});

describe("invitations", () => {
  it("a user with two-factor login accepts with their bearer token, not their password alone", async () => {
    const { email, actor } = await userWithTotp();
    const other = await createOrganization({
      organizationName: `Inviting ${unique()}`,
      email: `inviter.${unique()}@mfa.example`,
      password: PASSWORD,
    });
    const inviter: AuthenticatedActor = {
      userId: other.adminId,
      organizationId: other.id,
      role: "owner",
      email: other.adminEmail,
      sessionId: "",
    };
    const { token } = await inviteShown(inviter, { email, role: "member" });
    await expect(acceptInvitation({ token, password: PASSWORD })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(acceptInvitation({ token }, {}, actor)).resolves.toMatchObject({ role: "member" });
  });
});
