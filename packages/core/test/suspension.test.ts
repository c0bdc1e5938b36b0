import { afterAll, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  authenticate,
  clientCredentialsGrant,
  createOrganization,
  createOrganizationClient,
  insertDocument,
  listDocuments,
  login,
  OAuthError,
  OrganizationSuspendedError,
  reactivateOrganization,
  reconcile,
  resetConfig,
  deleteOrganization,
  refreshSession,
  suspendOrganization,
  type PlatformActor,
} from "../src";
import { database, inviteShown, loginWithPassword, useIsolatedDatabases } from "../src/testing";

/**
 * Suspension: everything of the organization refused with one answer while it lasts, nothing
 * deleted, everything back as it was once reactivated; and any number of suspends and reactivates
 * at once leave the organization and its sessions in agreement.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

const operator: PlatformActor = { clientId: "pc_operator", scopes: ["platform:read", "platform:write"] };
const reader: PlatformActor = { clientId: "pc_reader", scopes: ["platform:read"] };
let sequence = 0;

/** A token request of the client with its first secret, as the token endpoint makes it. */
const grantFor = (client: { clientId: string; secret: { secret: string } }) =>
  clientCredentialsGrant({
    grantType: "client_credentials",
    clientId: client.clientId,
    clientSecret: client.secret.secret,
    scope: undefined,
  });

async function organization() {
  const n = `${Date.now()}-${++sequence}`;
  const email = `owner.${n}@suspension.example`;
  const created = await createOrganization({ organizationName: `Suspended ${n}`, email, password: "password-123" });
  const session = await loginWithPassword({ email, password: "password-123" });
  return { created, email, session, owner: await authenticate(session.accessToken) };
}

describe("a suspended organization", () => {
  it("refuses logins, sessions, refreshes, its data, its clients and invitations; reactivated, all of it works again", async () => {
    const { created, email, session, owner } = await organization();
    await insertDocument(owner, { _id: "kept", value: 1 });
    const client = await createOrganizationClient(owner, { name: "sync", scopes: ["data:read"] });
    const invitation = await inviteShown(owner, { email: `invitee.${sequence}@suspension.example`, role: "member" });

    await suspendOrganization(operator, created.id, { reason: "unpaid invoice" });
    await expect(login({ email, password: "password-123" })).rejects.toBeInstanceOf(OrganizationSuspendedError);
    await expect(authenticate(session.accessToken)).rejects.toBeInstanceOf(OrganizationSuspendedError);
    await expect(refreshSession({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      OrganizationSuspendedError,
    );
    await expect(listDocuments(owner)).rejects.toBeInstanceOf(OrganizationSuspendedError);
    const grant = grantFor(client);
    await expect(grant).rejects.toMatchObject({ error: "unauthorized_client" });
    await expect(grant).rejects.toBeInstanceOf(OAuthError);
    await expect(acceptInvitation({ token: invitation.token, password: "invitee-password" })).rejects.toBeInstanceOf(
      OrganizationSuspendedError,
    );
    const db = await database();
    expect((await db.audit.findOne({ action: "organization.suspended", client_id: "pc_operator" }))?.details).toEqual({
      reason: "unpaid invoice",
    });

    await reactivateOrganization(operator, created.id);
    // Nothing was deleted: the same session, its refresh token, the data, the client, the invitation.
    await expect(authenticate(session.accessToken)).resolves.toBeDefined();
    await expect(refreshSession({ refreshToken: session.refreshToken })).resolves.toBeDefined();
    expect((await listDocuments(owner)).documents.map((document) => document._id)).toEqual(["kept"]);
    await expect(grantFor(client)).resolves.toBeDefined();
    await expect(acceptInvitation({ token: invitation.token, password: "invitee-password" })).resolves.toBeDefined();
  });

  it("needs platform:write, and an organization that exists", async () => {
    const { created } = await organization();
    await expect(suspendOrganization(reader, created.id, { reason: "x" })).rejects.toThrow(/platform:write/);
    await expect(suspendOrganization(operator, "000000000000000000000000", { reason: "x" })).rejects.toThrow(
      /No organization/,
    );
    await expect(suspendOrganization(operator, "not-an-id", { reason: "x" })).rejects.toThrow(/organization id/);
    await expect(suspendOrganization(operator, created.id, { reason: "  " })).rejects.toThrow(/reason/);
  });

  it("twenty suspends and reactivates at once leave the organization and every session in agreement", async () => {
    const { created, email } = await organization();
    await Promise.all(Array.from({ length: 3 }, () => loginWithPassword({ email, password: "password-123" })));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? suspendOrganization(operator, created.id, { reason: `round ${i}` })
          : reactivateOrganization(operator, created.id),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled").length).toBeGreaterThan(0);
    const db = await database();
    const record = await db.organizations.findOne({
      _id: (await db.organizations.findOne({ name: created.name }))!._id,
    });
    const sessions = await db.sessions.find({ organization_id: record!._id }).toArray();
    expect(sessions.length).toBe(4);
    for (const session of sessions) expect(session.suspended === true).toBe(record!.suspended !== undefined);
  });

  it("the reconciler mends a session whose mark a racing write lost", async () => {
    const { created, session } = await organization();
    await suspendOrganization(operator, created.id, { reason: "audit" });
    const db = await database();
    // As a refresh's write-back would leave it (an update writes back what it read, on FerretDB).
    await db.sessions.updateMany(
      { user_id: (await db.users.findOne({ email: created.adminEmail }))!._id },
      {
        $unset: { suspended: "" },
      },
    );
    await expect(authenticate(session.accessToken)).resolves.toBeDefined();
    expect((await reconcile({ graceSeconds: 0 })).suspensionMarksMended).toBeGreaterThanOrEqual(1);
    await expect(authenticate(session.accessToken)).rejects.toBeInstanceOf(OrganizationSuspendedError);
  });
});

describe("a client's secret check", () => {
  it("is limited per source address: past the limit even the right secret is refused there, not elsewhere", async () => {
    process.env.LOGIN_MAX_FAILURES_PER_IP = "3";
    resetConfig();
    try {
      const { owner } = await organization();
      const client = await createOrganizationClient(owner, { name: "limited", scopes: ["data:read"] });
      const grant = (secret: string, sourceIp: string) =>
        clientCredentialsGrant(
          { grantType: "client_credentials", clientId: client.clientId, clientSecret: secret, scope: undefined },
          { sourceIp },
        );
      for (let i = 0; i < 3; i++)
        await expect(grant(`cs_wrong_${i}`, "10.9.9.1")).rejects.toMatchObject({ error: "invalid_client" });
      await expect(grant(client.secret.secret, "10.9.9.1")).rejects.toMatchObject({ error: "temporarily_unavailable" });
      await expect(grant(client.secret.secret, "10.9.9.2")).resolves.toBeDefined();
    } finally {
      delete process.env.LOGIN_MAX_FAILURES_PER_IP;
      resetConfig();
    }
  });
});

describe("deleting an organization", () => {
  it("deletes its machine clients: their secrets stop working", async () => {
    const { owner, created } = await organization();
    const client = await createOrganizationClient(owner, { name: "orphan", scopes: ["data:read"] });
    await deleteOrganization(owner, created.name);
    await expect(grantFor(client)).rejects.toMatchObject({ error: "invalid_client" });
    expect(await (await database()).clientSecrets.countDocuments({ client_id: client.clientId })).toBe(0);
  });
});
