import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  authenticate,
  checkInvariants,
  confirmPasswordReset,
  InvalidCredentialsError,
  requestPasswordReset,
  resetConfig,
  UnauthenticatedError,
  createOrganization,
  deleteOrganization,
  getOrganization,
  login,
  NotFoundError,
  reconcile,
  updateOrganization,
  type Actor,
} from "../src";
import { ObjectId } from "mongodb";
import type { PendingUpdate } from "../src/db/documents";
import { applyCredentials, rollBackUpdate } from "../src/organizations/steps";
import {
  useIsolatedDatabases,
  clearFaults,
  database,
  injectFault,
  loginWithPassword,
  mailedToken,
  type Fault,
} from "../src/testing";

/**
 * Every step of every multi-step operation, made to fail (the operation's own error handling
 * runs) or to crash (nothing after it runs, as if the process died). After a reconcile the
 * invariants must hold and the outcome must be all or nothing.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => clearFaults());

const STEPS = [1, 2, 3] as const;
const FAULTS: Fault[] = ["fail", "crash"];
let sequence = 0;

async function newOrganization() {
  const n = ++sequence;
  const input = { organizationName: `Fault Org ${n}`, email: `fault${n}@example.com`, password: "password-123" };
  const organization = await createOrganization(input);
  const actor: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  return { ...input, organization, actor };
}

/** Run an operation with a fault armed; wait until it failed, or reached the crash point. */
async function withFault(operation: string, step: number, fault: Fault, run: () => Promise<unknown>): Promise<void> {
  const { reached } = injectFault(operation, step, fault);
  const outcome = run().then(
    () => "completed",
    () => "failed",
  );
  await reached;
  if (fault === "fail") expect(await outcome).toBe("failed");
}

async function reconcileAndCheck() {
  await reconcile({ graceSeconds: 0 });
  expect(await checkInvariants()).toEqual([]);
}

describe.each(FAULTS)("%s", (fault) => {
  it.each(STEPS)("create, after step %i: nothing of it remains; name and email are free", async (step) => {
    const n = ++sequence;
    const input = { organizationName: `Half Created ${n}`, email: `half${n}@example.com`, password: "password-123" };
    await withFault("create", step, fault, () => createOrganization(input));

    await reconcileAndCheck();
    await expect(getOrganization(input.organizationName)).rejects.toBeInstanceOf(NotFoundError);
    const again = await createOrganization(input);
    expect(again.name).toBe(input.organizationName);
    await reconcileAndCheck();
  });

  it.each(STEPS)("rename + credentials, after step %i: all or nothing, documents kept", async (step) => {
    const { organization, actor, email, password } = await newOrganization();
    const db = await database();
    await db.tenants.collection(organization.collectionName).insertMany(Array.from({ length: 20 }, (_, i) => ({ i })));
    const newName = `Renamed Fault ${++sequence}`;

    // A password: the credential an update changes at once (a new email only becomes pending, after the change).
    await withFault("update", step, fault, () =>
      updateOrganization(actor, {
        organizationName: organization.name,
        newOrganizationName: newName,
        password: "new-password-1",
        currentPassword: password,
      }),
    );
    await reconcileAndCheck();

    const renamed = await getOrganization(newName).catch(() => undefined);
    if (renamed) {
      // Finished: the new name, the new credentials, every document under the new collection.
      expect(fault).toBe("crash");
      expect(renamed.collectionName).toBe(`org_${newName.toLowerCase().replace(/ /g, "_")}`);
      expect(await db.tenants.collection(renamed.collectionName).countDocuments()).toBe(20);
      await expect(login({ email, password: "new-password-1" })).resolves.toBeDefined();
      await expect(getOrganization(organization.name)).rejects.toBeInstanceOf(NotFoundError);
    } else {
      // Undone: the old name, the old credentials, every document under the old collection.
      const old = await getOrganization(organization.name);
      expect(await db.tenants.collection(old.collectionName).countDocuments()).toBe(20);
      await expect(login({ email, password })).resolves.toBeDefined();
    }
  });

  it.each(STEPS)("delete, after step %i: the delete is finished; name and email are free", async (step) => {
    const { organization, actor, email, password, organizationName } = await newOrganization();
    await withFault("delete", step, fault, () => deleteOrganization(actor, organization.name));

    // While unfinished the organization is already gone for readers.
    await expect(getOrganization(organizationName)).rejects.toBeInstanceOf(NotFoundError);
    await reconcileAndCheck();
    const again = await createOrganization({ organizationName, email, password });
    expect(again.id).not.toBe(organization.id);
  });
});

describe("the reconciler", () => {
  it("leaves operations younger than the grace period alone, and is idempotent", async () => {
    const n = ++sequence;
    const input = { organizationName: `Young ${n}`, email: `young${n}@example.com`, password: "password-123" };
    await withFault("create", 2, "crash", () => createOrganization(input));

    expect(await reconcile({ graceSeconds: 3600 })).toMatchObject({ createsUndone: 0 });
    const db = await database();
    expect(await db.organizations.countDocuments({ slug: `young_${n}` })).toBe(1);
    // The half-created name is still reserved: a second create of it is refused, not duplicated.
    await expect(createOrganization({ ...input, email: `other${n}@example.com` })).rejects.toMatchObject({
      field: "organization_name",
    });

    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ createsUndone: 1 });
    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({
      createsUndone: 0,
      updatesFinished: 0,
      updatesUndone: 0,
      deletesFinished: 0,
      orphanUsersDeleted: 0,
      staleLocksRemoved: 0,
    });
    expect(await checkInvariants()).toEqual([]);
  });

  it("with no grace, repairs an operation interrupted within the same millisecond", async () => {
    // The clock stands still: the create's marker and the reconciler's cutoff carry the same time.
    vi.useFakeTimers({ toFake: ["Date"], now: new Date() });
    try {
      const n = ++sequence;
      const input = {
        organizationName: `Same Instant ${n}`,
        email: `instant${n}@example.com`,
        password: "password-123",
      };
      await withFault("create", 2, "crash", () => createOrganization(input));
      expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ createsUndone: 1 });
      expect(await checkInvariants()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("finishes an interrupted rename, whose record holds the new name meanwhile", async () => {
    const { organization, actor } = await newOrganization();
    const newName = `Contested ${++sequence}`;
    await withFault("update", 1, "crash", () =>
      updateOrganization(actor, { organizationName: organization.name, newOrganizationName: newName }),
    );
    // The record holds the new name, so a newcomer cannot take it …
    await expect(
      createOrganization({ organizationName: newName, email: `c${sequence}@example.com`, password: "password-123" }),
    ).rejects.toMatchObject({
      field: "organization_name",
    });
    // … and the interrupted rename is finished by the reconciler.
    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ updatesFinished: 1 });
    expect(await getOrganization(newName)).toMatchObject({ id: organization.id });
    expect(await checkInvariants()).toEqual([]);
  });

  it("undoes an interrupted change that can no longer be finished: its new email was taken meanwhile", async () => {
    const { organization, actor, email, password } = await newOrganization();
    const wanted = `wanted${++sequence}@example.com`;
    await withFault("update", 1, "crash", () =>
      updateOrganization(actor, {
        organizationName: organization.name,
        newOrganizationName: `Wanted ${sequence}`,
        password: "new-password-1",
        currentPassword: password,
      }),
    );
    // Updates no longer change an email at once; a marker left by a version that did names one.
    await withEmailInMarker(organization.id, wanted);
    await createOrganization({ organizationName: `Quicker ${sequence}`, email: wanted, password: "password-123" });

    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ updatesUndone: 1 });
    expect(await getOrganization(organization.name, actor)).toMatchObject({
      name: organization.name,
      adminEmail: email,
    });
    await expect(login({ email, password })).resolves.toBeDefined();
    expect(await checkInvariants()).toEqual([]);
  });

  it("deletes an admin left without an organization", async () => {
    const { organization } = await newOrganization();
    const db = await database();
    await db.organizations.deleteOne({ slug: organization.slug });
    await db.tenants.dropCollection(organization.collectionName);
    expect(await checkInvariants()).toEqual([expect.stringMatching(/has no organization/)]);
    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ orphanUsersDeleted: 1 });
    expect(await checkInvariants()).toEqual([]);
  });

  it("repairs a stale interrupted change when its admin next touches the organization", async () => {
    const { organization, actor, password } = await newOrganization();
    const newName = `Touched ${++sequence}`;
    await withFault("update", 2, "crash", () =>
      updateOrganization(actor, { organizationName: organization.name, newOrganizationName: newName }),
    );
    // Fresh: another change must wait.
    await expect(
      updateOrganization(actor, { organizationName: newName, password: "another-pass", currentPassword: password }),
    ).rejects.toThrow(/in progress/);
    process.env.RECONCILE_GRACE_SECONDS = "0";
    const { resetConfig } = await import("../src");
    resetConfig();
    try {
      const { organization: updated } = await updateOrganization(actor, {
        organizationName: newName,
        password: "another-pass",
        currentPassword: password,
      });
      expect(updated.name).toBe(newName);
      expect(await checkInvariants()).toEqual([]);
    } finally {
      delete process.env.RECONCILE_GRACE_SECONDS;
      resetConfig();
    }
  });
});

describe("a password reset crashed between the user and what mirrors it", () => {
  it("leaves no session of the old password behind once the reconciler has run", async () => {
    process.env.MAIL_REQUEST_MIN_MILLISECONDS = "100";
    resetConfig();
    const { email, password } = await newOrganization();
    const before = await loginWithPassword({ email, password });
    await requestPasswordReset({ email });
    const token = mailedToken(email, "reset");
    await withFault("credentials", 1, "crash", () => confirmPasswordReset({ token, password: "reset-password-1" }));
    // The user has the new password; the session opened under the old one still mirrors the membership.
    await expect(login({ email, password })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(authenticate(before.accessToken)).resolves.toBeDefined();

    expect(await reconcile({ graceSeconds: 0 })).toMatchObject({ credentialChangesFinished: 1 });
    await expect(authenticate(before.accessToken)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await (await database()).users.findOne({ email })).not.toHaveProperty("credentials_changing");
    await expect(loginWithPassword({ email, password: "reset-password-1" })).resolves.toBeDefined();
    expect(await checkInvariants()).toEqual([]);
    delete process.env.MAIL_REQUEST_MIN_MILLISECONDS;
    resetConfig();
  });
});

describe("an email change undone", () => {
  it("puts back what was proven of the old address: a verification of the new one does not stay with it", async () => {
    const { organization, actor, email, password } = await newOrganization();
    const db = await database();
    const newEmail = `proven${++sequence}@example.com`;
    await withFault("update", 1, "crash", () =>
      updateOrganization(actor, {
        organizationName: organization.name,
        password: "new-password-1",
        currentPassword: password,
      }),
    );
    // A marker from a version that changed emails at once, its credentials set: the user is at the new address, unverified.
    await withEmailInMarker(organization.id, newEmail);
    const marked = await db.organizations.findOne({ _id: new ObjectId(organization.id) });
    await applyCredentials(db, marked!, marked!.pending as PendingUpdate, new Date());
    expect(await db.users.findOne({ email: newEmail })).toMatchObject({ email_verified: false });
    // Meanwhile the new address's mailbox is proven (a mailed invitation's link, accepted).
    await db.users.updateOne({ email: newEmail }, { $set: { email_verified: true } });
    const record = await db.organizations.findOne({ _id: new ObjectId(organization.id) });
    await rollBackUpdate(db, record!, record!.pending as PendingUpdate);
    expect(await db.users.findOne({ _id: new ObjectId(organization.adminId) })).toMatchObject({
      email,
      email_verified: false,
    });
    await reconcileAndCheck();
  });
});

/** Make an update's marker change the email too, as markers written before email changes were confirmed by mail did. */
async function withEmailInMarker(organizationId: string, email: string): Promise<void> {
  const db = await database();
  await db.organizations.updateOne(
    { _id: new ObjectId(organizationId) },
    { $set: { "pending.credentials.target.email": email, "pending.credentials.target.email_verified": false } },
  );
}
