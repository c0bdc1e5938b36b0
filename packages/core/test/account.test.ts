import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { claimAccountToken, issueAccountToken } from "../src/account/tokens";
import { migrateEmailVerified } from "../src/db/migrate-email-verified";
import { GoneError } from "../src/errors";
import { database, useIsolatedDatabases } from "../src/testing";

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
const claim = async (token: string, now = new Date()) =>
  claimAccountToken(await database(), { token, purpose: "password_reset", what: "password reset", now });

describe("account tokens", () => {
  it("are stored only as a hash, and work for their own purpose only", async () => {
    const userId = new ObjectId();
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

  it("of two issued at once, the newer survives and the older is void", async () => {
    const userId = new ObjectId();
    const [a, b] = await Promise.all([issue(userId), issue(userId)]);
    const outcomes = await Promise.allSettled([claim(a.token), claim(b.token)]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });

  it("an older token is void even if its delete never ran (a crash between the insert and the delete)", async () => {
    const userId = new ObjectId();
    const db = await database();
    const older = await issue(userId);
    const kept = await db.accountTokens.find({ user_id: userId }).toArray();
    await issue(userId);
    await db.accountTokens.insertMany(kept); // as if the newer request had died before deleting it
    await expect(claim(older.token)).rejects.toBeInstanceOf(GoneError);
  });

  it("expire, and a released claim can be claimed again", async () => {
    const userId = new ObjectId();
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
