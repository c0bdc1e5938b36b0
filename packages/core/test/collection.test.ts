import { afterAll, describe, expect, inject, it } from "vitest";
import {
  createOrganization,
  deleteOrganization,
  getTenantCollection,
  NotFoundError,
  updateOrganization,
  type Actor,
} from "../src";
import { useIsolatedDatabases, database } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

let counter = 0;
async function newOrganization() {
  const organization = await createOrganization({
    organizationName: `Collection Org ${++counter} ${Date.now()}`,
    email: `collection${counter}.${Date.now()}@example.com`,
    password: "correct horse battery",
  });
  const actor: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, actor };
}

describe("getTenantCollection", () => {
  it("returns the caller's collection name and its document count, counted live", async () => {
    const { organization, actor } = await newOrganization();
    expect(await getTenantCollection(actor)).toEqual({
      organizationId: organization.id,
      organizationName: organization.name,
      collectionName: organization.collectionName,
      documentCount: 0,
    });
    const db = await database();
    await db.tenants.collection(organization.collectionName).insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect((await getTenantCollection(actor)).documentCount).toBe(3);
  });

  it("is scoped to the actor's organization: another tenant's documents never count", async () => {
    const mine = await newOrganization();
    const theirs = await newOrganization();
    const db = await database();
    await db.tenants.collection(theirs.organization.collectionName).insertMany([{ x: 1 }, { x: 2 }]);
    await db.tenants.collection(mine.organization.collectionName).insertOne({ x: 1 });
    expect(await getTenantCollection(mine.actor)).toMatchObject({
      collectionName: mine.organization.collectionName,
      documentCount: 1,
    });
    expect(await getTenantCollection(theirs.actor)).toMatchObject({
      collectionName: theirs.organization.collectionName,
      documentCount: 2,
    });
  });

  it("follows a rename: the documents move with the collection", async () => {
    const { organization, actor } = await newOrganization();
    const db = await database();
    await db.tenants.collection(organization.collectionName).insertMany([{ a: 1 }, { a: 2 }]);
    const newName = `Renamed Collection Org ${Date.now()}`;
    await updateOrganization(actor, { organizationName: organization.name, newOrganizationName: newName });
    expect(await getTenantCollection(actor)).toMatchObject({ organizationName: newName, documentCount: 2 });
  });

  it("is always the actor's own organization's; 404 after a delete or for a malformed id", async () => {
    const { organization, actor } = await newOrganization();
    const other = await newOrganization();
    expect(await getTenantCollection(other.actor)).toMatchObject({ organizationId: other.organization.id });
    await expect(getTenantCollection({ ...actor, organizationId: "not-an-id" })).rejects.toBeInstanceOf(NotFoundError);
    await deleteOrganization(actor, organization.name);
    await expect(getTenantCollection(actor)).rejects.toBeInstanceOf(NotFoundError);
  });
});
