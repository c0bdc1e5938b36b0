import { checkInvariants } from "@org-service/core";
import { database } from "@org-service/core/testing";
import { describe, expect, it } from "vitest";
import { byName, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/** Races over real HTTP: the unique indexes, not check-then-insert, decide every one. */
const server = useLocalServer();
const call = httpClient(server.url);

const statuses = (answers: { status: number }[]) => answers.map((answer) => answer.status).sort();
const PARALLEL = 20;

async function tenantCollections(): Promise<string[]> {
  const db = await database();
  return (await db.tenants.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
}

async function signUpAndLogin(name: string, email: string) {
  expect(
    (await call("POST", "/org/create", { json: { organization_name: name, email, password: "password-123" } })).status,
  ).toBe(201);
  return (await call("POST", "/admin/login", { json: { email, password: "password-123" } })).json
    .access_token as string;
}

describe("races", () => {
  it(`${PARALLEL} parallel creates of one name: one 201, the rest 409, one collection`, async () => {
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        call("POST", "/org/create", {
          json: {
            organization_name: i % 2 ? "Race Corp" : "RACE corp",
            email: `racer${i}@example.com`,
            password: "password-123",
          },
        }),
      ),
    );
    expect(statuses(answers)).toEqual([201, ...Array<number>(PARALLEL - 1).fill(409)]);
    expect((await tenantCollections()).filter((name) => name === "org_race_corp")).toHaveLength(1);
    expect(await checkInvariants()).toEqual([]);
  });

  it(`${PARALLEL} parallel creates with one email: one 201, the rest 409`, async () => {
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        call("POST", "/org/create", {
          json: {
            organization_name: `Same Email ${i}`,
            email: i % 2 ? "same@example.com" : "SAME@example.com",
            password: "password-123",
          },
        }),
      ),
    );
    expect(statuses(answers)).toEqual([201, ...Array<number>(PARALLEL - 1).fill(409)]);
    const db = await database();
    expect(await db.users.countDocuments({ email: "same@example.com" })).toBe(1);
    expect(await checkInvariants()).toEqual([]);
  });

  it("two parallel renames onto one free name: one 200, one 409", async () => {
    const first = await signUpAndLogin("Rename Racer One", "one@racer.example");
    const second = await signUpAndLogin("Rename Racer Two", "two@racer.example");
    const answers = await Promise.all([
      call("PUT", "/org/update", {
        token: first,
        json: { organization_name: "Rename Racer One", new_organization_name: "The Prize" },
      }),
      call("PUT", "/org/update", {
        token: second,
        json: { organization_name: "Rename Racer Two", new_organization_name: "the prize" },
      }),
    ]);
    expect(statuses(answers)).toEqual([200, 409]);
    expect((await call("GET", `/org/get${byName("The Prize")}`)).status).toBe(200);
    expect(await checkInvariants()).toEqual([]);
  });

  it("a rename racing a delete of the same organization: both answer, nothing is left half-done", async () => {
    for (let round = 0; round < 5; round++) {
      const name = `Doomed ${round}`;
      const token = await signUpAndLogin(name, `doomed${round}@example.com`);
      const [rename, remove] = await Promise.all([
        call("PUT", "/org/update", {
          token,
          json: { organization_name: name, new_organization_name: `Reborn ${round}` },
        }),
        call("DELETE", "/org/delete", { token, json: { organization_name: name } }),
      ]);
      // Whichever marks the record first wins; the other is refused cleanly, finds the name gone,
      // or (the rename, checked after the delete finished) finds its token revoked with the organization.
      expect([200, 401, 404, 409]).toContain(rename.status);
      expect([200, 404, 409]).toContain(remove.status);
      expect(rename.status === 200 && remove.status === 200).toBe(false);
      expect(await checkInvariants()).toEqual([]);
      if (remove.status === 200) expect((await call("GET", `/org/get${byName(name)}`)).status).toBe(404);
      if (rename.status === 200) expect((await call("GET", `/org/get${byName(`Reborn ${round}`)}`)).status).toBe(200);
    }
  });
});
