import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { acceptInvitation, createOrganization, SsoRequiredError, type Actor } from "../src";
import { database, inviteShown, useIsolatedDatabases } from "../src/testing";

/**
 * With single sign-on enforced on a domain, accepting an invitation with a password is refused
 * (docs/api/single-sign-on.md) for an address of that domain that has no account yet as for one
 * that has: a new password would open a session the provider never vouched for.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());

let counter = 0;
const unique = () => `${Date.now().toString(36)}${++counter}`;

async function enforcingOrganization() {
  const domain = `enforced${unique()}.example`;
  const ownerEmail = `owner.${unique()}@${domain}`;
  const organization = await createOrganization({
    organizationName: `Enforcing ${unique()}`,
    email: ownerEmail,
    password: "correct horse battery",
  });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  const db = await database();
  const organizationId = new ObjectId(organization.id);
  const now = new Date();
  // The domain held by the organization, and its connection enabled and enforced (as PUT, PATCH /org/sso leave them).
  const claimId = new ObjectId();
  await db.domainClaims.insertOne({
    _id: claimId,
    organization_id: organizationId,
    domain,
    token: "org-service-verification=x",
    join_mode: "off",
    created_at: now,
    verified_at: now,
  });
  await db.verifiedDomains.insertOne({
    _id: domain,
    organization_id: organizationId,
    claim_id: claimId,
    verified_at: now,
  });
  await db.ssoConnections.insertOne({
    _id: organizationId,
    issuer: "https://idp.example",
    client_id: "c",
    client_secret_sealed: "sealed",
    scopes: ["openid", "email"],
    email_claim: "email",
    name_claim: "name",
    provider: {
      issuer: "https://idp.example",
      authorization_endpoint: "https://idp.example/auth",
      token_endpoint: "https://idp.example/token",
      jwks_uri: "https://idp.example/jwks",
    },
    enabled: true,
    enforced: true,
    created_at: now,
    updated_at: now,
  });
  return { domain, owner };
}

describe("single sign-on enforced, and accepting an invitation with a password", () => {
  it("an address of the enforced domain without an account gets no password session by accepting", async () => {
    const { domain, owner } = await enforcingOrganization();
    const { token } = await inviteShown(owner, { email: `new.${unique()}@${domain}`, role: "admin" });
    const outcome = await acceptInvitation({ token, password: "a brand new password" }).then(
      (result) => (result.accessToken ? "password session opened" : "no session"),
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(SsoRequiredError);
    // Nobody was made: the address gets its account through its provider.
    expect(await (await database()).users.countDocuments({ email: { $regex: `@${domain}$` } })).toBe(1);
  });
});
