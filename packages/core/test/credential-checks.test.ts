import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  completeMfaLogin,
  createOrganization,
  disableTotp,
  enrollTotp,
  InvalidCredentialsError,
  InvalidGrantError,
  login,
  resetConfig,
  TooManyAttemptsError,
  updateOrganization,
  ValidationError,
  verifyTotpEnrollment,
} from "../src";
import { authenticate } from "../src/auth/authenticate";
import { database, inviteShown, loginWithPassword, sentMail, totpCode, useIsolatedDatabases } from "../src/testing";

/**
 * Every password, code or secret a caller proves goes through one throttled check
 * (src/auth/credential-check.ts): the sources are read to prove no other module compares a
 * password or throttles by itself, and the doors are tried to prove they share one count.
 */
const PACKAGES = join(import.meta.dirname, "..", "..");

function sourceFiles(): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  for (const pkg of readdirSync(PACKAGES)) {
    const walk = (directory: string) => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = readdirSync(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(directory, entry.name);
        if (entry.isDirectory() && entry.name !== "node_modules") walk(path);
        else if (/\.(ts|js|mjs)$/.test(entry.name))
          files.push({ path: relative(PACKAGES, path), text: readFileSync(path, "utf8") });
      }
    };
    walk(join(PACKAGES, pkg, "src"));
  }
  return files;
}

/** The files whose imports name `symbol`. */
function importersOf(files: { path: string; text: string }[], symbol: string): string[] {
  const pattern = new RegExp(`import\\s*(type\\s*)?\\{[^}]*\\b${symbol}\\b[^}]*\\}\\s*from`);
  return files.filter((file) => pattern.test(file.text)).map((file) => file.path);
}

describe("one way to check a secret", () => {
  const files = sourceFiles();

  it("reads the sources of every package", () => {
    expect(files.some((file) => file.path === "core/src/auth/credential-check.ts")).toBe(true);
    expect(files.length).toBeGreaterThan(50);
  });

  it("only the credential check compares a password, and only passwords.ts uses bcrypt", () => {
    expect(importersOf(files, "verifyPassword")).toEqual(["core/src/auth/credential-check.ts"]);
    expect(files.filter((file) => /from\s+"bcryptjs"/.test(file.text)).map((file) => file.path)).toEqual([
      "core/src/passwords.ts",
    ]);
  });

  it("only the credential check counts an attempt against the limits", () => {
    expect(importersOf(files, "reserveAttempt")).toEqual(["core/src/auth/credential-check.ts"]);
    expect(
      files
        .filter((file) => /\bloginFailures\b/.test(file.text))
        .map((file) => file.path)
        .sort(),
    ).toEqual(["core/src/auth/login-throttle.ts", "core/src/db/client.ts"]);
  });

  it("every module that uses a TOTP or recovery code does so through checkSecret", () => {
    const users = files.filter(
      (file) => file.path !== "core/src/mfa/codes.ts" && /\buse(TotpCode|RecoveryCode)\(/.test(file.text),
    );
    expect(users.length).toBeGreaterThan(0);
    for (const file of users) expect(importersOf([file], "checkSecret"), file.path).toEqual([file.path]);
  });

  it("the callers of the password check are the doors docs/security.md lists", () => {
    expect(importersOf(files, "checkPassword").sort()).toEqual([
      "core/src/invitations/accept.ts",
      "core/src/mfa/totp.ts",
      "core/src/organizations/login.ts",
      "core/src/organizations/update.ts",
    ]);
  });
});

describe("the doors share one count", () => {
  const databases = useIsolatedDatabases(inject("mongodbUri"));
  afterAll(() => databases.drop());
  afterEach(() => {
    delete process.env.LOGIN_MAX_FAILURES_PER_EMAIL;
    resetConfig();
  });

  const PASSWORD = "password-123";
  let sequence = 0;
  const unique = () => `${Date.now().toString(36)}${++sequence}`;

  async function victimAndAttacker() {
    const victim = { email: `victim.${unique()}@doors.example`, organizationName: `Victim ${unique()}` };
    await createOrganization({ ...victim, password: PASSWORD });
    const attacker = await createOrganization({
      organizationName: `Attacker ${unique()}`,
      email: `attacker.${unique()}@doors.example`,
      password: PASSWORD,
    });
    const owner = { userId: attacker.adminId, organizationId: attacker.id, role: "owner" as const };
    const { token } = await inviteShown(owner, { email: victim.email, role: "member" });
    return { victim, token };
  }

  it("wrong passwords through an invitation and through login add up: past the limit, even the right one is refused", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "5";
    resetConfig();
    const { victim, token } = await victimAndAttacker();
    for (let guess = 0; guess < 3; guess++) {
      await expect(acceptInvitation({ token, password: `guess-${guess}-wrong` })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    for (let guess = 3; guess < 5; guess++) {
      await expect(login({ email: victim.email, password: `guess-${guess}-wrong` })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    await expect(acceptInvitation({ token, password: PASSWORD })).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(login({ email: victim.email, password: PASSWORD })).rejects.toBeInstanceOf(TooManyAttemptsError);
  });

  it("a burst of wrong guesses at once gets no more comparisons than the limit: the rest are refused before any", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "3";
    resetConfig();
    const { victim, token } = await victimAndAttacker();
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, (_, guess) =>
        acceptInvitation({ token, password: `guess-${guess}-wrong` }).catch((error: unknown) => error),
      ),
    );
    const compared = outcomes.filter((outcome) => outcome instanceof InvalidCredentialsError).length;
    expect(compared).toBeLessThanOrEqual(3);
    expect(outcomes.filter((outcome) => outcome instanceof TooManyAttemptsError)).toHaveLength(25 - compared);
    // Login meets the failures the burst left: refused once they reach the limit.
    const next = login({ email: victim.email, password: PASSWORD });
    if (compared === 3) await expect(next).rejects.toBeInstanceOf(TooManyAttemptsError);
    else await expect(next).resolves.toBeDefined();
  });

  it("a right answer is no failure: it takes its count back", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "2";
    resetConfig();
    const email = `right.${unique()}@doors.example`;
    await createOrganization({ organizationName: `Right ${unique()}`, email, password: PASSWORD });
    for (let login = 0; login < 5; login++) await loginWithPassword({ email, password: PASSWORD });
    await expect(login({ email, password: "wrong-password-1" })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(loginWithPassword({ email, password: PASSWORD })).resolves.toBeDefined();
  });

  it("wrong codes and passwords that turn two-factor login off count against the same limit", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "4";
    resetConfig();
    const email = `mfa.${unique()}@doors.example`;
    await createOrganization({ organizationName: `Mfa ${unique()}`, email, password: PASSWORD });
    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const { secret } = await enrollTotp(actor);
    await verifyTotpEnrollment(actor, { code: totpCode(secret) });
    for (const proof of [{ code: "000000" }, { password: "wrong-password-1" }, { code: "999999" }]) {
      await expect(disableTotp(actor, proof)).rejects.toBeInstanceOf(InvalidGrantError);
    }
    await expect(login({ email, password: "wrong-password-2" })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(disableTotp(actor, { password: PASSWORD })).rejects.toBeInstanceOf(TooManyAttemptsError);
  });

  it("wrong current passwords that change an email or a password count against the same limit", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = "3";
    resetConfig();
    const email = `update.${unique()}@doors.example`;
    const organization = await createOrganization({
      organizationName: `Update ${unique()}`,
      email,
      password: PASSWORD,
    });
    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const target = { organizationName: organization.name };
    await expect(
      updateOrganization(actor, { ...target, password: "attacker-chosen-1", currentPassword: "guess-1-wrong" }),
    ).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(
      updateOrganization(actor, {
        ...target,
        email: `elsewhere.${unique()}@doors.example`,
        currentPassword: "guess-2",
      }),
    ).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(login({ email, password: "wrong-password-3" })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(
      updateOrganization(actor, { ...target, password: "another-password-1", currentPassword: PASSWORD }),
    ).rejects.toBeInstanceOf(TooManyAttemptsError);
  });
});

describe("a bearer token alone changes no credential", () => {
  const databases = useIsolatedDatabases(inject("mongodbUri"));
  afterAll(() => databases.drop());

  const PASSWORD = "password-123";
  let sequence = 0;
  const unique = () => `${Date.now().toString(36)}${++sequence}`;

  /** An owner with two-factor login on, and the access token of their session past its code step: what a thief steals. */
  async function ownerWithTotp() {
    const email = `stolen.${unique()}@tokens.example`;
    const organization = await createOrganization({
      organizationName: `Stolen ${unique()}`,
      email,
      password: PASSWORD,
    });
    const enrolling = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const { secret } = await enrollTotp(enrolling);
    const step = Math.floor(Date.now() / 30_000);
    const earlier = new Date((step - 1) * 30_000 + 10_000);
    await verifyTotpEnrollment(enrolling, { code: totpCode(secret, earlier) }, { now: earlier });
    const challenge = await login({ email, password: PASSWORD });
    if (!("mfaToken" in challenge)) throw new Error("expected the code step");
    const session = await completeMfaLogin({ mfaToken: challenge.mfaToken, code: totpCode(secret) });
    return { email, organization, stolen: await authenticate(session.accessToken) };
  }

  it("cannot set a password of its own and turn two-factor login off with it", async () => {
    const { email, organization, stolen } = await ownerWithTotp();
    const db = await database();
    const before = await db.users.findOne({ email });
    const attempts = [
      { password: "attacker-chosen-1" },
      { password: "attacker-chosen-1", currentPassword: "attacker-chosen-1" },
    ];
    const refusals = await Promise.all(
      attempts.map((attempt) =>
        updateOrganization(stolen, { organizationName: organization.name, ...attempt }).catch(
          (error: unknown) => error,
        ),
      ),
    );
    expect(refusals[0]).toBeInstanceOf(ValidationError);
    expect((refusals[0] as ValidationError).issues).toEqual([
      { path: "current_password", message: "is required to change the email or the password" },
    ]);
    expect(refusals[1]).toBeInstanceOf(InvalidGrantError);
    await expect(disableTotp(stolen, { password: "attacker-chosen-1" })).rejects.toBeInstanceOf(InvalidGrantError);
    const after = await db.users.findOne({ email });
    expect(after?.password_hash).toBe(before?.password_hash);
    expect(await db.mfaFactors.findOne({ _id: before!._id })).not.toBeNull();
  });

  it("cannot send the account's address, and its resets, to another mailbox", async () => {
    const { email, organization, stolen } = await ownerWithTotp();
    const attacker = `attacker.${unique()}@tokens.example`;
    const refused = await updateOrganization(stolen, { organizationName: organization.name, email: attacker }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect(sentMail().filter((mail) => mail.to === attacker)).toEqual([]);
    expect((await (await database()).users.findOne({ email }))?.email).toBe(email);
  });

  it("a password change proven with the current password goes through and mails the account a notice", async () => {
    const email = `notice.${unique()}@tokens.example`;
    const organization = await createOrganization({
      organizationName: `Notice ${unique()}`,
      email,
      password: PASSWORD,
    });
    const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
    const mailsBefore = sentMail().filter((mail) => mail.to === email).length;
    const changed = await updateOrganization(actor, {
      organizationName: organization.name,
      password: "another-password-1",
      currentPassword: PASSWORD,
    });
    expect(changed.session).toBeDefined();
    const notices = sentMail()
      .filter((mail) => mail.to === email)
      .slice(mailsBefore);
    expect(notices.map((mail) => mail.subject)).toEqual([expect.stringMatching(/password was changed$/)]);
    await expect(loginWithPassword({ email, password: "another-password-1" })).resolves.toBeDefined();
    // Giving the email it already has is no change: no password needed for a rename that repeats it.
    await expect(
      updateOrganization(await authenticate(changed.session!.accessToken), {
        organizationName: organization.name,
        newOrganizationName: `Renamed ${unique()}`,
        email,
      }),
    ).resolves.toBeDefined();
  });
});
