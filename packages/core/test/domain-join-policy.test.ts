import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  approveJoinRequest,
  ConflictError,
  listJoinableOrganizations,
  NotFoundError,
  claimDomain,
  createOrganization,
  joinOrganization,
  setDomainJoinMode,
  updateOrganizationPolicies,
  verifyDomain,
  type AuthenticatedActor,
  type Role,
} from "../src";
import { membershipId } from "../src/members/membership";
import { database, inviteShown, useIsolatedDatabases } from "../src/testing";
import { useTestDnsServer } from "./support/test-dns";

/**
 * The owners' invitation-domain policy (who may become a member; `org:policies`, owners only) holds
 * for joining by a verified domain as for invitations and single sign-on: an admin (`org:domains`
 * is theirs too) who verifies a domain outside it, in auto-join or suggest, admits nobody there —
 * and a request made before the policy left its domain out can no longer be approved.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
const dns = useTestDnsServer();
afterAll(() => databases.drop());

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;
const touched = new Set<string>();
afterEach(() => {
  for (const name of touched) dns().clear(name);
  touched.clear();
});

function actorOf(userId: string, organizationId: string, role: Role, email: string): AuthenticatedActor {
  return { userId, organizationId, role, email, sessionId: new ObjectId().toHexString() };
}

async function verifiedUserIn(domain: string): Promise<AuthenticatedActor> {
  const db = await database();
  const email = `user.${unique()}@${domain}`;
  const now = new Date();
  const userId = new ObjectId();
  await db.users.insertOne({
    _id: userId,
    email,
    email_verified: true,
    password_hash: "not used",
    credentials_version: 1,
    created_at: now,
    updated_at: now,
  });
  return actorOf(userId.toHexString(), new ObjectId().toHexString(), "owner", email);
}

async function organizationLimitedTo(allowed: string) {
  const email = `owner.${unique()}@${allowed}`;
  const organization = await createOrganization({ organizationName: `Policy ${unique()}`, email, password: PASSWORD });
  const owner = actorOf(organization.adminId, organization.id, "owner", email);
  // The owners say: members only at `allowed`.
  await updateOrganizationPolicies(owner, { invitationDomains: [allowed] });
  // An admin of the organization (org:domains is theirs too; org:policies is not), invited within the policy.
  const adminEmail = `admin.${unique()}@${allowed}`;
  const { token } = await inviteShown(owner, { email: adminEmail, role: "admin" });
  const session = await acceptInvitation({ token, password: PASSWORD });
  const admin = actorOf(session.userId, organization.id, "admin", adminEmail);
  return { organization, owner, admin };
}

async function verifiedBy(actor: AuthenticatedActor, domain: string, mode: "auto-join" | "suggest") {
  const claim = await claimDomain(actor, { domain });
  const name = `_org-service-verification.${domain}`;
  touched.add(name);
  dns().setTxt(name, [claim.record.value]);
  await verifyDomain(actor, domain);
  await setDomainJoinMode(actor, domain, { joinMode: mode });
}

describe("joining by a verified domain, under the owners' invitation-domain policy", () => {
  it("auto-join admits no address outside the invitation domains, nor lists the organization to it", async () => {
    const allowed = `allowed${unique()}.example`;
    const other = `other${unique()}.example`;
    const { organization, admin } = await organizationLimitedTo(allowed);
    // The admin, who may not change the policy, opens a way around it.
    await verifiedBy(admin, other, "auto-join");
    const outsider = await verifiedUserIn(other);

    const outcome = await joinOrganization(outsider, organization.id).then(
      (result) => result.outcome,
      (error: unknown) => (error as Error).name,
    );
    const db = await database();
    const membership = await db.memberships.findOne({
      organization_id: new ObjectId(organization.id),
      user_id: new ObjectId(outsider.userId),
    });
    // As sso/join.ts does for the same policy: the address is refused, nobody joins.
    expect(outcome).toBe("NotFoundError");
    expect(membership).toBeNull();
    expect(await listJoinableOrganizations(outsider)).toEqual([]);
  });

  it("in suggest mode, an address outside the invitation domains cannot even ask", async () => {
    const allowed = `allowed${unique()}.example`;
    const other = `other${unique()}.example`;
    const { organization, admin } = await organizationLimitedTo(allowed);
    await verifiedBy(admin, other, "suggest");
    const outsider = await verifiedUserIn(other);
    await expect(joinOrganization(outsider, organization.id)).rejects.toBeInstanceOf(NotFoundError);

    const outcome = await approveJoinRequest(admin, outsider.userId).then(
      () => "approved",
      (error: unknown) => (error as Error).name,
    );
    const db = await database();
    const membership = await db.memberships.findOne({
      organization_id: new ObjectId(organization.id),
      user_id: new ObjectId(outsider.userId),
    });
    expect(outcome).not.toBe("approved");
    expect(membership).toBeNull();
  });

  it("a request made before the policy left its domain out can no longer be approved (409), and stays pending", async () => {
    const domain = `later${unique()}.example`;
    const email = `owner.${unique()}@${domain}`;
    const organization = await createOrganization({ organizationName: `Later ${unique()}`, email, password: PASSWORD });
    const owner = actorOf(organization.adminId, organization.id, "owner", email);
    await verifiedBy(owner, domain, "suggest");
    const requester = await verifiedUserIn(domain);
    await expect(joinOrganization(requester, organization.id)).resolves.toMatchObject({ outcome: "requested" });
    await updateOrganizationPolicies(owner, { invitationDomains: [`elsewhere${unique()}.example`] });

    await expect(approveJoinRequest(owner, requester.userId)).rejects.toBeInstanceOf(ConflictError);
    const db = await database();
    expect(await db.memberships.findOne({ _id: membershipId(organization.id, requester.userId) })).toBeNull();
    expect(
      (await db.joinRequests.findOne({ user_id: new ObjectId(requester.userId) }, { projection: { state: 1 } }))?.state,
    ).toBe("pending");
  });
});
