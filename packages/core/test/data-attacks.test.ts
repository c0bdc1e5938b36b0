import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  type Actor,
  authenticate,
  clientCredentialsGrant,
  ConflictError,
  createIndex,
  createOrganization,
  createOrganizationClient,
  getDocument,
  insertDocument,
  listOrganizationEvents,
  OrganizationSuspendedError,
  type PlatformActor,
  patchDocument,
  suspendOrganization,
  TooLargeError,
  ValidationError,
} from "../src";
import { loginWithPassword, useIsolatedDatabases } from "../src/testing";

/**
 * What one tenant's member or machine client could do to the process every tenant shares, or to a
 * suspended organization's data, through the document API and the event feed: each attack refused.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => {
  // Should a refusal ever fail, the next tests must not inherit what it let through.
  for (const key of ["suspended", "polluted"]) delete (Object.prototype as Record<string, unknown>)[key];
});

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => error,
  );

async function tenant() {
  const organization = await createOrganization({
    organizationName: `Tenant ${unique()}`,
    email: `owner.${unique()}@attacks.example`,
    password: "password-123",
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, owner, member: { ...owner, role: "member" } as Actor };
}

describe("a patch writes into its own document only", () => {
  it("a $set or $unset through __proto__ is a 422, and no object of the process inherits it", async () => {
    const attacker = await tenant();
    const victim = await tenant();
    await insertDocument(attacker.member, { _id: "x", a: 1 });
    await insertDocument(victim.owner, { _id: "mine", b: 2 });
    for (const patch of [
      { $set: { "__proto__.suspended": { reason: "every tenant" } } },
      { $set: { "a.__proto__.polluted": true } },
      { $unset: { "__proto__.toString": "" } },
    ]) {
      const refused = await refusal(patchDocument(attacker.member, "x", patch));
      expect(refused, JSON.stringify(patch)).toBeInstanceOf(ValidationError);
    }
    expect(({} as Record<string, unknown>).suspended).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Another tenant's organization still reads as it is.
    await expect(getDocument(victim.owner, "mine")).resolves.toMatchObject({ b: 2 });
  });

  it("through constructor.prototype, a patch makes fields of the document's own", async () => {
    const { member } = await tenant();
    await insertDocument(member, { _id: "own", a: 1 });
    const patched = await patchDocument(member, "own", { $set: { "constructor.prototype.polluted": true } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(patched).toMatchObject({ constructor: { prototype: { polluted: true } } });
  });

  it("a document may not have a field named __proto__", async () => {
    const { member } = await tenant();
    const refused = await refusal(insertDocument(member, JSON.parse('{"_id": "p", "__proto__": {"polluted": true}}')));
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([
      { path: "__proto__", message: "a field name may not be __proto__" },
    ]);
  });
});

describe("a patch costs what its document may hold", () => {
  it("an array index past what the largest document could hold is a 413 at once, not a walk over every slot", async () => {
    const { member } = await tenant();
    await insertDocument(member, { _id: "arr", list: [1] });
    for (const path of ["list.4294967294", "list.4294967294.deeper", "list.350000"]) {
      const refused = await refusal(patchDocument(member, "arr", { $set: { [path]: 1 } }));
      expect(refused, path).toBeInstanceOf(TooLargeError);
    }
    // Unsetting there makes nothing: no refusal, nothing changed.
    await expect(patchDocument(member, "arr", { $unset: { "list.4294967294.x": "" } })).resolves.toMatchObject({
      list: [1],
    });
    // Within the bound, MongoDB's padding with nulls applies as before.
    await expect(patchDocument(member, "arr", { $set: { "list.3": 4 } })).resolves.toMatchObject({
      list: [1, null, null, 4],
    });
  });

  it("a patch that changes nothing ({}, an empty $set or $unset) is a 422", async () => {
    const { member } = await tenant();
    await insertDocument(member, { _id: "e", a: 1 });
    for (const patch of [{}, { $set: {} }, { $unset: {} }, { $set: {}, $unset: {} }]) {
      const refused = await refusal(patchDocument(member, "e", patch));
      expect(refused, JSON.stringify(patch)).toBeInstanceOf(ValidationError);
    }
  });
});

describe("indexes", () => {
  it("an index on _id alone, unique or not, is a 422: the collection has it", async () => {
    const { owner } = await tenant();
    for (const unique of [true, false]) {
      const refused = await refusal(createIndex(owner, { keys: { _id: 1 }, unique }));
      expect(refused).toBeInstanceOf(ValidationError);
    }
  });

  it("an index whose name another index's keys already took is a 409, not that other index", async () => {
    const { owner } = await tenant();
    await createIndex(owner, { keys: { a_1_b: 1 } });
    const refused = await refusal(createIndex(owner, { keys: { a: 1, b: 1 }, unique: true }));
    expect(refused).toBeInstanceOf(ConflictError);
  });
});

describe("a suspended organization's machine client", () => {
  const operator: PlatformActor = { clientId: "pc_operator", scopes: ["platform:read", "platform:write"] };

  it("reads no event of it with a token issued before the suspension", async () => {
    const email = `owner.${unique()}@attacks.example`;
    const created = await createOrganization({ organizationName: `Feed ${unique()}`, email, password: "password-123" });
    const owner = await authenticate((await loginWithPassword({ email, password: "password-123" })).accessToken);
    await insertDocument(owner, { _id: "secret-doc", value: 1 });
    const client = await createOrganizationClient(owner, { name: "feed", scopes: ["events:read", "data:read"] });
    const { accessToken } = await clientCredentialsGrant({
      grantType: "client_credentials",
      clientId: client.clientId,
      clientSecret: client.secret.secret,
      scope: undefined,
    });
    const actor = await authenticate(accessToken);
    expect((await listOrganizationEvents(actor)).events.length).toBeGreaterThan(0);

    await suspendOrganization(operator, created.id, { reason: "abuse" });
    await expect(listOrganizationEvents(await authenticate(accessToken))).rejects.toBeInstanceOf(
      OrganizationSuspendedError,
    );
    await expect(getDocument(await authenticate(accessToken), "secret-doc")).rejects.toBeInstanceOf(
      OrganizationSuspendedError,
    );
  });
});
