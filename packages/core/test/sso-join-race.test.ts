import bcrypt from "bcryptjs";
import { ObjectId } from "mongodb";
import { afterAll, afterEach, expect, inject, it, vi } from "vitest";
import { createOrganization } from "../src";
import { joinBySingleSignOn } from "../src/sso/join";
import { database, useIsolatedDatabases } from "../src/testing";

/**
 * A first single sign-on of an address makes its account; should another account with that address
 * appear in the meantime (the unique email refuses the second), the one found is held to the rule
 * every account found is: never handed to the provider's user unless its address was verified.
 * The other account is made in that very window, deterministically: while the sign-in hashes the
 * new account's random password.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());
afterEach(() => vi.restoreAllMocks());

let counter = 0;
const unique = () => `${Date.now().toString(36)}${++counter}`;

async function organizationDocument() {
  const created = await createOrganization({
    organizationName: `Race ${unique()}`,
    email: `owner.${unique()}@race.example`,
    password: "correct horse battery",
  });
  return (await (await database()).organizations.findOne({ _id: new ObjectId(created.id) }))!;
}

/** While the sign-in hashes its new account's password, someone makes an account with `email`. */
function accountMadeMeanwhile(email: string, emailVerified: boolean): ObjectId {
  const id = new ObjectId();
  const hash = bcrypt.hash.bind(bcrypt) as (password: string, cost: number) => Promise<string>;
  vi.spyOn(bcrypt, "hash").mockImplementationOnce((async (password: string, cost: number) => {
    const now = new Date();
    await (await database()).users.insertOne({
      _id: id,
      email,
      email_verified: emailVerified,
      password_hash: "made in advance",
      credentials_version: 1,
      created_at: now,
      updated_at: now,
    });
    return hash(password, cost);
  }) as typeof bcrypt.hash);
  return id;
}

it("an unverified account made while a first sign-in makes its own is not handed over", async () => {
  const organization = await organizationDocument();
  const email = `race.${unique()}@race.example`;
  const madeInAdvance = accountMadeMeanwhile(email, false);
  await expect(joinBySingleSignOn(await database(), organization, email, undefined, {})).rejects.toMatchObject({
    reason: "account_unverified",
  });
  const db = await database();
  expect(await db.memberships.countDocuments({ user_id: madeInAdvance })).toBe(0);
});

it("a verified one, another sign-in's, is the user who signs in", async () => {
  const organization = await organizationDocument();
  const email = `race.${unique()}@race.example`;
  const madeMeanwhile = accountMadeMeanwhile(email, true);
  const { user } = await joinBySingleSignOn(await database(), organization, email, undefined, {});
  expect(user._id.equals(madeMeanwhile)).toBe(true);
});
