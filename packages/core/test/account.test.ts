import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { claimAccountToken, issueAccountToken } from "../src/account/tokens";
import { migrateEmailVerified } from "../src/db/migrate-email-verified";
import { GoneError } from "../src/errors";
import {
  authenticate,
  createOrganization,
  requestPasswordReset,
  resetConfig,
  switchOrganization,
  UnauthenticatedError,
} from "../src";
import { changeUserCredentials } from "../src/account/credentials";
import { outboxMailer } from "../src/mail/mailer";
import { captureLogLines, database, inviteShown, loginWithPassword, useIsolatedDatabases } from "../src/testing";

/** The pieces under the account's mailed links: the single-use token store, and the migration of `email_verified`. */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

const issue = async (userId: ObjectId, now = new Date()) =>
  issueAccountToken(await database(), {
    purpose: "password_reset",
    userId,
    email: "someone@account.example",
    ttlSeconds: 60,
    now,
  });
/** A user to issue tokens for. */
async function newUserId(): Promise<ObjectId> {
  const _id = new ObjectId();
  const now = new Date();
  await (await database()).users.insertOne({
    _id,
    email: `tokens.${_id.toHexString()}@account.example`,
    password_hash: "x",
    credentials_version: 1,
    created_at: now,
    updated_at: now,
  });
  return _id;
}
const claim = async (token: string, now = new Date()) =>
  claimAccountToken(await database(), { token, purpose: "password_reset", what: "password reset", now });

describe("account tokens", () => {
  it("are stored only as a hash, and work for their own purpose only", async () => {
    const userId = await newUserId();
    const { token } = await issue(userId);
    const db = await database();
    const stored = await db.accountTokens.find({ user_id: userId }).toArray();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    await expect(
      claimAccountToken(db, { token, purpose: "email_verification", what: "email verification", now: new Date() }),
    ).rejects.toBeInstanceOf(GoneError);
    await expect(claim(token)).resolves.toBeDefined();
  });

  it("a change of the user's credentials since it was issued voids it", async () => {
    const userId = await newUserId();
    const { token } = await issue(userId);
    await (await database()).users.updateOne({ _id: userId }, { $inc: { credentials_version: 1 } });
    await expect(claim(token)).rejects.toBeInstanceOf(GoneError);
  });

  it("of two issued at once, the newer survives and the older is void", async () => {
    const userId = await newUserId();
    const [a, b] = await Promise.all([issue(userId), issue(userId)]);
    const outcomes = await Promise.allSettled([claim(a.token), claim(b.token)]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });

  it("an older token is void even if its delete never ran (a crash between the insert and the delete)", async () => {
    const userId = await newUserId();
    const db = await database();
    const older = await issue(userId);
    const kept = await db.accountTokens.find({ user_id: userId }).toArray();
    const newer = await issue(userId);
    await db.accountTokens.insertMany(kept); // as if the newer request had died before deleting it
    await expect(claim(older.token)).rejects.toBeInstanceOf(GoneError);
    // Once the newer one is used, the older one does not become the newest again.
    await (await claim(newer.token)).consumed();
    await expect(claim(older.token)).rejects.toBeInstanceOf(GoneError);
  });

  it("expire, and a released claim can be claimed again", async () => {
    const userId = await newUserId();
    const issuedAt = new Date();
    const { token } = await issue(userId, issuedAt);
    await expect(claim(token, new Date(issuedAt.getTime() + 61_000))).rejects.toBeInstanceOf(GoneError);
    const first = await claim(token);
    await expect(claim(token)).rejects.toBeInstanceOf(GoneError);
    await first.release();
    const second = await claim(token);
    await second.consumed();
    await second.release();
    await expect(claim(token)).rejects.toBeInstanceOf(GoneError);
  });
});

describe("changes of credentials", () => {
  it("two at once get two versions, and no session of the old credentials survives either", async () => {
    const n = Date.now();
    const email = `twice.${n}@account.example`;
    await createOrganization({ organizationName: `Twice ${n}`, email, password: "password-123" });
    const before = await loginWithPassword({ email, password: "password-123" });
    const db = await database();
    const { _id: userId, credentials_version: version } = (await db.users.findOne({ email }))!;
    const outcomes = await Promise.allSettled([
      changeUserCredentials(db, userId, () => ({ password_hash: "first" }), new Date()),
      changeUserCredentials(db, userId, () => ({ password_hash: "second" }), new Date()),
    ]);
    // One at a time (the credentials lock): the second waits for the first, or is told to try again.
    const done = outcomes.filter((outcome) => outcome.status === "fulfilled");
    expect(done.length).toBeGreaterThanOrEqual(1);
    const user = (await db.users.findOne({ _id: userId }))!;
    expect(user.credentials_version).toBe(version + done.length);
    await expect(authenticate(before.accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(
      await db.memberships.countDocuments({ user_id: userId, credentials_version: { $ne: user.credentials_version } }),
    ).toBe(0);
  });

  it("a session of other credentials cannot outrun a reset by switching organization", async () => {
    const n = Date.now();
    const email = `switcher.${n}@account.example`;
    const home = await createOrganization({ organizationName: `Home ${n}`, email, password: "password-123" });
    const away = await createOrganization({
      organizationName: `Away ${n}`,
      email: `away.${n}@account.example`,
      password: "password-123",
    });
    const awayOwner = await authenticate(
      (await loginWithPassword({ email: `away.${n}@account.example`, password: "password-123" })).accessToken,
    );
    const invitation = await inviteShown(awayOwner, { email, role: "member" });
    const { acceptInvitation } = await import("../src");
    await acceptInvitation({ token: invitation.token, password: "password-123" });
    const stolen = await authenticate(
      (await loginWithPassword({ email, password: "password-123", organizationName: home.name })).accessToken,
    );
    // A reset midway: the memberships mirror the new version; the old sessions are not deleted yet.
    const db = await database();
    const user = (await db.users.findOne({ email }))!;
    await db.users.updateOne({ _id: user._id }, { $set: { credentials_version: user.credentials_version + 1 } });
    await db.memberships.updateMany(
      { user_id: user._id },
      { $set: { credentials_version: user.credentials_version + 1 } },
    );
    await expect(switchOrganization(stolen, { organizationName: away.name })).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });
});

describe("the outbox", () => {
  it("logs a message's text (its links) only where it runs locally, never in a deployed function", async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = "deployed";
    resetConfig();
    const logs = captureLogLines();
    try {
      await outboxMailer.send({ to: "someone@far.example", subject: "Reset", text: "#reset=secret-token", html: "x" });
    } finally {
      logs.stop();
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      resetConfig();
    }
    expect(logs.lines.join("\n")).not.toContain("secret-token");
    expect(logs.lines.join("\n")).not.toContain("someone@");
    expect(logs.lines.join("\n")).toContain("far.example");
  });
});

describe("mail that cannot be sent", () => {
  it("never fails a reset request, and its log line names the recipient's domain only", async () => {
    const email = `unsent.${Date.now()}@far-away.example`;
    await createOrganization({ organizationName: `Unsent ${Date.now()}`, email, password: "password-123" });
    // Nothing listens on port 1 of this machine: the SMTP connection is refused.
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    process.env.MAIL_REQUEST_MIN_MILLISECONDS = "100";
    resetConfig();
    const logs = captureLogLines();
    try {
      await expect(requestPasswordReset({ email })).resolves.toBeUndefined();
    } finally {
      logs.stop();
      delete process.env.SMTP_URL;
      delete process.env.MAIL_REQUEST_MIN_MILLISECONDS;
      resetConfig();
    }
    const warning = logs.lines.map((line) => JSON.parse(line)).find((line) => line.message === "mail not sent");
    expect(warning).toMatchObject({ to_domain: "far-away.example" });
    expect(logs.lines.join("\n")).not.toContain("unsent.");
    expect(logs.lines.join("\n")).not.toMatch(/#reset=/);
  });
});

describe("the email_verified migration", () => {
  it("marks users once: verified where a mailed invitation was accepted, unverified otherwise; a second run changes nothing", async () => {
    const db = await database();
    const now = new Date();
    const user = (email: string) => ({
      _id: new ObjectId(),
      email,
      password_hash: "x",
      credentials_version: 1,
      created_at: now,
      updated_at: now,
    });
    const proven = user(`proven.${now.getTime()}@account.example`);
    const shown = user(`shown.${now.getTime()}@account.example`);
    const plain = user(`plain.${now.getTime()}@account.example`);
    await db.users.insertMany([proven, shown, plain]);
    const invitation = (email: string, tokenShown: boolean) => ({
      _id: new ObjectId(),
      organization_id: new ObjectId(),
      email,
      role: "member" as const,
      token_hash: new ObjectId().toHexString(),
      pending_key: new ObjectId().toHexString(),
      invited_by: new ObjectId(),
      token_shown: tokenShown,
      created_at: now,
      expires_at: now,
      accepted_at: now,
    });
    await db.invitations.insertMany([invitation(proven.email, false), invitation(shown.email, true)]);

    expect(await migrateEmailVerified(db)).toBeGreaterThanOrEqual(3);
    const marks = async () =>
      Object.fromEntries(
        (await db.users.find({ _id: { $in: [proven._id, shown._id, plain._id] } }).toArray()).map((found) => [
          found.email,
          found.email_verified,
        ]),
      );
    expect(await marks()).toEqual({ [proven.email]: true, [shown.email]: false, [plain.email]: false });
    expect(await migrateEmailVerified(db)).toBe(0);
    expect(await marks()).toEqual({ [proven.email]: true, [shown.email]: false, [plain.email]: false });
  });
});
