import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import {
  confirmEmailChange,
  ConflictError,
  createOrganization,
  deleteOrganization,
  ForbiddenError,
  getOrganization,
  InvalidCredentialsError,
  listOrganizations,
  login,
  NotFoundError,
  updateOrganization,
  type Actor,
  type OrganizationWithAdmin,
} from "../src";
import { verifyAccessToken } from "../src/auth/tokens";
import { addSearchEntries } from "../src/db/migrate-search-prefixes";
import { searchPrefixesOf } from "../src/organizations/search";
import { InjectedFault } from "../src/checkpoints";
import { useIsolatedDatabases, database, injectFault, loginWithPassword, mailedToken, sentMail } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

let counter = 0;
/** A fresh organization per test, so tests do not depend on each other's order. */
async function newOrganization(name = `Org ${++counter} ${Date.now()}`) {
  const email = `admin${++counter}.${Date.now()}@example.com`;
  const password = "correct horse battery";
  const organization = await createOrganization({ organizationName: name, email, password });
  const actor: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { organization, email, password, actor };
}

async function tenantCollections(): Promise<string[]> {
  const db = await database();
  return (await db.tenants.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
}

async function counts(filter: { slug?: string; email?: string }) {
  const db = await database();
  return {
    organizations: filter.slug === undefined ? 0 : await db.organizations.countDocuments({ slug: filter.slug }),
    admins: filter.email === undefined ? 0 : await db.users.countDocuments({ email: filter.email }),
  };
}

describe("createOrganization", () => {
  let created: OrganizationWithAdmin;
  beforeAll(async () => {
    created = await createOrganization({
      organizationName: "  Acme Corp ",
      email: "Owner@Acme.example",
      password: "s3cret-password",
    });
  });

  it("returns the organization with its tenant collection and lower-cased admin email", () => {
    expect(created).toMatchObject({
      name: "Acme Corp",
      slug: "acme_corp",
      collectionName: "org_acme_corp",
      adminEmail: "owner@acme.example",
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.createdAt).toBeInstanceOf(Date);
  });

  it("creates the tenant collection explicitly, before any document exists", async () => {
    expect(await tenantCollections()).toContain("org_acme_corp");
    const db = await database();
    expect(await db.tenants.collection("org_acme_corp").countDocuments()).toBe(0);
  });

  it("stores a bcrypt hash, never the password", async () => {
    const db = await database();
    const admin = await db.users.findOne({ email: "owner@acme.example" });
    expect(admin?.password_hash).toMatch(/^\$2[aby]\$04\$.{53}$/);
    expect(JSON.stringify(admin)).not.toContain("s3cret-password");
  });

  it.each(["ACME corp", "acme_corp", "Acme-Corp!", "ÂCME CORP"])(
    "refuses %j: the same slug is the same name",
    async (name) => {
      await expect(
        createOrganization({ organizationName: name, email: `${counter++}@other.example`, password: "password1" }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await counts({ slug: "acme_corp" })).toMatchObject({ organizations: 1 });
    },
  );

  it("refuses an email that another admin has, in any case, and leaves nothing behind", async () => {
    const attempt = createOrganization({
      organizationName: "Beta Industries",
      email: "OWNER@acme.example",
      password: "password1",
    });
    await expect(attempt).rejects.toMatchObject({ field: "email" });
    expect(await counts({ slug: "beta_industries", email: "owner@acme.example" })).toEqual({
      organizations: 0,
      admins: 1,
    });
    expect(await tenantCollections()).not.toContain("org_beta_industries");
  });

  it("refuses a name whose tenant collection still exists, undoing the record and the admin", async () => {
    const db = await database();
    await db.tenants.createCollection("org_leftover");
    await db.tenants.collection("org_leftover").insertOne({ secret: "someone else's" });
    await expect(
      createOrganization({ organizationName: "Leftover", email: "left@over.example", password: "password1" }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await counts({ slug: "leftover", email: "left@over.example" })).toEqual({ organizations: 0, admins: 0 });
    expect(await db.tenants.collection("org_leftover").countDocuments()).toBe(1);
  });
});

describe("getOrganization", () => {
  it("finds an organization by any spelling of its name, without the admin email", async () => {
    const { organization } = await newOrganization("Globex Worldwide");
    for (const spelling of ["Globex Worldwide", "globex worldwide", "GLOBEX_WORLDWIDE", " globex-worldwide "]) {
      const found = await getOrganization(spelling);
      expect(found).toMatchObject({
        id: organization.id,
        name: "Globex Worldwide",
        collectionName: "org_globex_worldwide",
      });
      expect(found).not.toHaveProperty("adminEmail");
    }
  });

  it("adds the admin email for that organization's admin only", async () => {
    const own = await newOrganization();
    const other = await newOrganization();
    expect(await getOrganization(own.organization.name, own.actor)).toMatchObject({ adminEmail: own.email });
    expect(await getOrganization(own.organization.name, other.actor)).not.toHaveProperty("adminEmail");
  });

  it("reports an unknown name as not found", async () => {
    await expect(getOrganization("Nobody Here")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("updateOrganization: rename", () => {
  it("renames the tenant collection with every document in it, and the record", async () => {
    const { organization, actor } = await newOrganization("Initech");
    const db = await database();
    // In batches: one 10,000-document insert outlasts the socket timeout on the SQLite-backed server.
    for (let batch = 0; batch < 10; batch++) {
      await db.tenants
        .collection("org_initech")
        .insertMany(
          Array.from({ length: 1_000 }, (_, j) => ({ i: batch * 1_000 + j, payload: `document ${batch * 1_000 + j}` })),
        );
    }

    const { organization: renamed } = await updateOrganization(actor, {
      organizationName: "initech",
      newOrganizationName: "Initrode Global",
    });

    expect(renamed).toMatchObject({
      id: organization.id,
      name: "Initrode Global",
      collectionName: "org_initrode_global",
    });
    expect(renamed.updatedAt.getTime()).toBeGreaterThan(organization.updatedAt.getTime() - 1);
    const collections = await tenantCollections();
    expect(collections).toContain("org_initrode_global");
    expect(collections).not.toContain("org_initech");
    expect(await db.tenants.collection("org_initrode_global").countDocuments()).toBe(10_000);
    expect(await db.tenants.collection("org_initrode_global").findOne({ i: 9_999 })).toMatchObject({
      payload: "document 9999",
    });
    await expect(getOrganization("Initech")).rejects.toBeInstanceOf(NotFoundError);
    expect(await getOrganization("initrode global")).toMatchObject({ id: organization.id });
  });

  it("changes only the display name when the slug stays the same", async () => {
    const { actor } = await newOrganization("Hooli");
    const { organization: renamed } = await updateOrganization(actor, {
      organizationName: "Hooli",
      newOrganizationName: "HOOLI",
    });
    expect(renamed).toMatchObject({ name: "HOOLI", collectionName: "org_hooli" });
    expect(await tenantCollections()).toContain("org_hooli");
  });

  it("refuses a taken name and changes nothing, not even the credentials asked for with it", async () => {
    const first = await newOrganization("Umbrella");
    const second = await newOrganization("Cyberdyne");
    const db = await database();
    await db.tenants.collection("org_cyberdyne").insertOne({ keep: true });

    const attempt = updateOrganization(second.actor, {
      organizationName: "Cyberdyne",
      newOrganizationName: "umbrella",
      email: "new.address@cyberdyne.example",
      currentPassword: second.password,
    });
    await expect(attempt).rejects.toMatchObject({ field: "organization_name" });

    expect(await getOrganization("Cyberdyne", second.actor)).toMatchObject({
      name: "Cyberdyne",
      adminEmail: second.email,
    });
    expect(await getOrganization("Umbrella")).toMatchObject({ id: first.organization.id });
    expect(await db.tenants.collection("org_cyberdyne").countDocuments()).toBe(1);
    await expect(login({ email: second.email, password: second.password })).resolves.toBeDefined();
  });
});

describe("the platform's search after a rename", () => {
  const platform = { clientId: "pc_organizations_test", scopes: ["platform:read" as const] };
  const found = async (query: string) =>
    (await listOrganizations(platform, { query })).organizations.map((organization) => organization.name);

  it("a rename undone is found under its name again, not the one it was to take", async () => {
    const { organization, actor } = await newOrganization("Vandelay Imports");
    const db = await database();
    // A failure after the collection has moved (its last step but the marker): every step is undone.
    injectFault("update", 3, "fail");
    await expect(
      updateOrganization(actor, { organizationName: "Vandelay Imports", newOrganizationName: "Vandelay Industries" }),
    ).rejects.toBeInstanceOf(InjectedFault);

    const record = await db.organizations.findOne({ slug: "vandelay_imports" });
    expect((await db.organizationSearch.findOne({ _id: record!._id }))?.prefixes).toEqual(
      searchPrefixesOf({ name: "Vandelay Imports", slug: "vandelay_imports" }),
    );
    expect(await found("vandelay imp")).toEqual([organization.name]);
    expect(await found("Vandelay Ind")).toEqual([]);
    expect(await found("vandelay_ind")).toEqual([]);
  });

  it("organizations from before the search entries get one on connect, once", async () => {
    const { organization } = await newOrganization("Kramerica");
    const db = await database();
    await db.organizationSearch.deleteOne({ _id: (await db.organizations.findOne({ slug: "kramerica" }))!._id });
    expect(await found("kramer")).toEqual([]);

    expect(await addSearchEntries(db)).toBe(1);
    expect(await addSearchEntries(db)).toBe(0);
    expect(await found("kramer")).toEqual([organization.name]);
  });
});

describe("updateOrganization: credentials", () => {
  it("changes the password at once and the email once the new address confirms it", async () => {
    const { organization, email, password, actor } = await newOrganization();
    const {
      organization: updated,
      session: continued,
      pendingEmail,
    } = await updateOrganization(actor, {
      organizationName: organization.name,
      email: "Fresh.Admin@Example.com",
      password: "a brand new password",
      currentPassword: password,
    });
    // Pending: the email is what it was until the link mailed to the new address is followed.
    expect(updated.adminEmail).toBe(email);
    expect(pendingEmail).toMatchObject({ email: "fresh.admin@example.com", mailSent: true });
    expect(continued?.accessToken).toMatch(/^ey/);
    expect(continued?.refreshToken).toMatch(/^[\w-]{43}$/);
    await expect(login({ email, password })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(login({ email: "fresh.admin@example.com", password: "a brand new password" })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await loginWithPassword({ email, password: "a brand new password" });

    await confirmEmailChange({ token: mailedToken("fresh.admin@example.com", "confirm-email") });
    await expect(login({ email, password: "a brand new password" })).rejects.toBeInstanceOf(InvalidCredentialsError);
    const session = await loginWithPassword({ email: "fresh.admin@example.com", password: "a brand new password" });
    expect(session.organization.id).toBe(organization.id);
  });

  it("an email another user has: answered as any pending change, only a notice without a link mailed to it, nothing changed", async () => {
    const taken = await newOrganization();
    const { organization, email, password, actor } = await newOrganization();
    const before = sentMail().length;
    const { pendingEmail } = await updateOrganization(actor, {
      organizationName: organization.name,
      email: taken.email.toUpperCase(),
      currentPassword: password,
    });
    expect(pendingEmail).toMatchObject({ email: taken.email, mailSent: true });
    // The requester's own address is told; the taken one only that nothing changes, with no link to confirm anything.
    const mailed = sentMail().slice(before);
    expect(mailed.map((mail) => mail.to).sort()).toEqual([email, taken.email].sort());
    const [notice] = mailed.filter((mail) => mail.to === taken.email);
    expect(notice?.text).toContain("nothing changes");
    expect(notice?.text).not.toMatch(/https?:\/\//);
    expect(await getOrganization(organization.name, actor)).toMatchObject({ adminEmail: email });
  });

  it("refuses an update with nothing to change", async () => {
    const { organization, actor } = await newOrganization();
    await expect(updateOrganization(actor, { organizationName: organization.name })).rejects.toThrow(
      /nothing to change/,
    );
  });
});

describe("authorization of changes", () => {
  it("forbids changing another organization, and says not found for an unknown one", async () => {
    const victim = await newOrganization();
    const attacker = await newOrganization();
    await expect(
      updateOrganization(attacker.actor, { organizationName: victim.organization.name, newOrganizationName: "Pwned" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteOrganization(attacker.actor, victim.organization.name)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteOrganization(attacker.actor, "No Such Organization")).rejects.toBeInstanceOf(NotFoundError);
    expect(await getOrganization(victim.organization.name)).toMatchObject({ id: victim.organization.id });
  });
});

describe("deleteOrganization", () => {
  it("removes the collection, the admin and the record; name and email are free again", async () => {
    const { organization, email, password, actor } = await newOrganization("Soylent");
    const db = await database();
    await db.tenants.collection("org_soylent").insertOne({ data: 1 });

    expect(await deleteOrganization(actor, "SOYLENT")).toEqual({ name: "Soylent" });

    expect(await tenantCollections()).not.toContain("org_soylent");
    expect(await db.users.countDocuments({ email })).toBe(0);
    expect(
      await db.organizations.countDocuments({ _id: new (await import("mongodb")).ObjectId(organization.id) }),
    ).toBe(0);
    await expect(getOrganization("Soylent")).rejects.toBeInstanceOf(NotFoundError);
    await expect(login({ email, password })).rejects.toBeInstanceOf(InvalidCredentialsError);

    const again = await createOrganization({ organizationName: "Soylent", email, password });
    expect(again.id).not.toBe(organization.id);
    expect(await db.tenants.collection("org_soylent").countDocuments()).toBe(0);
  });
});

describe("login", () => {
  it("issues a token naming the admin and the organization", async () => {
    const { organization, email, password } = await newOrganization();
    const session = await loginWithPassword({ email: email.toUpperCase(), password });
    expect(session.userId).toBe(organization.adminId);
    expect(session.role).toBe("owner");
    expect(session.expiresIn).toBe(900);
    expect(await verifyAccessToken(session.accessToken)).toEqual({
      sub: organization.adminId,
      org: organization.id,
      sid: session.sessionId,
      cv: 1,
      role: "owner",
      gr: expect.stringMatching(/^[0-9a-f]{24}$/),
      // Signed up, not yet verified: the sign-up mailed the link.
      emailVerified: false,
      scopes: expect.arrayContaining(["org:delete", "owners:manage"]),
    });
  });

  it("gives the same error for a wrong password and an unknown email", async () => {
    const { email } = await newOrganization();
    const wrongPassword = await login({ email, password: "not the password" }).catch((error: unknown) => error);
    const unknownEmail = await login({ email: "nobody@example.com", password: "whatever1" }).catch(
      (error: unknown) => error,
    );
    expect(wrongPassword).toBeInstanceOf(InvalidCredentialsError);
    expect(unknownEmail).toBeInstanceOf(InvalidCredentialsError);
    expect((wrongPassword as Error).message).toBe((unknownEmail as Error).message);
  });

  it("refuses a password longer than 72 bytes even if its first 72 bytes match", async () => {
    const password = "p".repeat(72);
    const email = `long.${Date.now()}@example.com`;
    await createOrganization({ organizationName: `Long ${Date.now()}`, email, password });
    await expect(login({ email, password })).resolves.toBeDefined();
    await expect(login({ email, password: `${password}extra` })).rejects.toBeInstanceOf(InvalidCredentialsError);
  });
});
