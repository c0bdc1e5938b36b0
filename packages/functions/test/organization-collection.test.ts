import { closeDatabase } from "@org-service/core";
import { useIsolatedDatabases, database } from "@org-service/core/testing";
import { afterAll, describe, expect, inject, it } from "vitest";
import { tenantCollectionSchema } from "../src/http/response-schemas";
import { handler as collection } from "../src/handlers/organization-collection";
import { signUp } from "./support/admin";
import { invoke } from "./support/invoke";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

const get = (auth?: { claims: Record<string, unknown>; headers: Record<string, string> }) =>
  invoke(collection, { method: "GET", path: "/org/collection", routeKey: "GET /org/collection", ...auth });

describe("GET /org/collection (behind the JWT authorizer)", () => {
  it("401 without the authorizer's claims, as a problem", async () => {
    const result = await get();
    expect(result.status).toBe(401);
    expect(result.headers["content-type"]).toBe("application/problem+json");
  });

  it("401 for claims without a matching bearer token", async () => {
    const own = await signUp();
    const result = await invoke(collection, { method: "GET", path: "/org/collection", claims: own.auth.claims });
    expect(result.status).toBe(401);
  });

  it("200 with the caller's own collection and its live document count", async () => {
    const own = await signUp();
    const other = await signUp();
    const name = String(own.created.json.collection_name);
    const db = await database();
    await db.tenants.collection(name).insertMany([{ n: 1 }, { n: 2 }]);
    await db.tenants
      .collection(String(other.created.json.collection_name))
      .insertMany([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);

    const first = await get(own.auth);
    expect(first.status).toBe(200);
    expect(tenantCollectionSchema.parse(first.json)).toEqual({
      organization_id: own.created.json.organization_id,
      organization_name: own.name,
      collection_name: name,
      document_count: 2,
    });
    await db.tenants.collection(name).insertOne({ n: 3 });
    expect((await get(own.auth)).json.document_count).toBe(3);
    // Scoped by the token, not by anything the caller names: the other admin sees only their own.
    const theirs = await get(other.auth);
    expect(theirs.json).toMatchObject({ organization_name: other.name, document_count: 5 });
  });
});
