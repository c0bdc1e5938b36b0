import bcrypt from "bcryptjs";
import { afterAll, afterEach, expect, inject, it, vi } from "vitest";
import { createOrganization, InvalidCredentialsError, login, resetConfig } from "../src";
import { useIsolatedDatabases } from "../src/testing";

/**
 * Once `BCRYPT_COST` is raised, the accounts hashed before compare at their old, lower cost, and
 * an unknown address at the new one: unless the difference is made up, a wrong password answers
 * many times faster for an account that exists than for one that does not, and the time alone
 * enumerates accounts. The work is counted in bcrypt rounds (2^cost per comparison), which is what
 * the time follows, so the test holds on a busy machine.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());
afterEach(() => {
  vi.restoreAllMocks();
  process.env.BCRYPT_COST = "4";
  resetConfig();
});

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

/** The bcrypt rounds a failed login for `email` costs. */
async function roundsOfWrongLogin(email: string): Promise<number> {
  let rounds = 0;
  const compare = bcrypt.compare.bind(bcrypt);
  const spy = vi.spyOn(bcrypt, "compare").mockImplementation((password: string, hash: string) => {
    rounds += 2 ** bcrypt.getRounds(hash);
    return compare(password, hash);
  });
  await expect(login({ email, password: "not-the-password" })).rejects.toBeInstanceOf(InvalidCredentialsError);
  spy.mockRestore();
  return rounds;
}

it("after BCRYPT_COST is raised, a wrong password for an older account costs what one for an unknown address does", async () => {
  const known = `older.${unique()}@cost.example`;
  await createOrganization({ organizationName: `Older ${unique()}`, email: known, password: "password-123" });
  process.env.BCRYPT_COST = "9";
  resetConfig();
  const unknown = await roundsOfWrongLogin(`nobody.${unique()}@cost.example`);
  expect(unknown).toBe(2 ** 9);
  expect(await roundsOfWrongLogin(known)).toBe(unknown);
});

it("at an unchanged cost, a wrong password costs one comparison, known account or not", async () => {
  const known = `same.${unique()}@cost.example`;
  await createOrganization({ organizationName: `Same ${unique()}`, email: known, password: "password-123" });
  expect(await roundsOfWrongLogin(known)).toBe(2 ** 4);
  expect(await roundsOfWrongLogin(`nobody.${unique()}@cost.example`)).toBe(2 ** 4);
});

it("the older account's right password still logs in after the raise", async () => {
  const known = `right.${unique()}@cost.example`;
  await createOrganization({ organizationName: `Right ${unique()}`, email: known, password: "password-123" });
  process.env.BCRYPT_COST = "6";
  resetConfig();
  await expect(login({ email: known, password: "password-123" })).resolves.toHaveProperty("accessToken");
});
