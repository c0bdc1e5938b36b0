import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  type Actor,
  acceptInvitation,
  changeMemberRole,
  checkInvariants,
  createOrganization,
  deleteOrganization,
  reconcile,
  removeMember,
  updateOrganization,
} from "../src";
import { appendAlone } from "../src/events/append";
import { beginChange } from "../src/events/change";
import { readFeed } from "../src/events/feed";
import { clearFaults, database, type Fault, injectFault, inviteShown, useIsolatedDatabases } from "../src/testing";

/**
 * The feed and the durability of events: concurrent writers with a reader racing them, and every
 * operation stopped for good (as a killed process) at each step between its change and its event.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 4 });
afterAll(() => databases.drop());
afterEach(() => clearFaults());

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function organizationWithMember() {
  const email = `owner.${unique()}@events.example`;
  const organization = await createOrganization({ organizationName: `Events ${unique()}`, email, password: PASSWORD });
  const owner: Actor = { userId: organization.adminId, organizationId: organization.id, role: "owner" };
  const memberEmail = `member.${unique()}@events.example`;
  const { token } = await inviteShown(owner, { email: memberEmail, role: "member" });
  await acceptInvitation({ token, password: PASSWORD });
  const member = await (await database()).users.findOne({ email: memberEmail });
  return { organization, owner, memberId: member!._id.toHexString() };
}

describe("the feed", () => {
  it("gives a reader following its cursor every event exactly once, in order, while writers race it", async () => {
    const db = await database();
    const organizations = [new ObjectId(), new ObjectId()];
    const WRITERS = 8;
    const EACH = 10;
    const written: { id: string; organization?: string }[] = [];
    let writing = true;

    // Writers that take their time between announcing and appending, so later ones often append first.
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < EACH; i++) {
        const organizationId = i % 3 === 2 ? undefined : organizations[(w + i) % 2];
        const change = await beginChange(db, { type: "system" }, [
          {
            type: "organization.metadata_updated",
            ...(organizationId && { organizationId }),
            data: { writer: w, i },
            proof: { kind: "gone", collection: "webhooks", id: `none-${w}-${i}` },
          },
        ]);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
        // Half append as this process does (its queue, in batches), half as other processes'
        // appends reach the database (the unique keys alone decide).
        if (w % 2 === 0) await change.commit(db);
        else {
          for (const intent of change.intents) await appendAlone(db, intent);
          await db.eventIntents.deleteMany({ _id: { $in: change.intents.map((intent) => intent._id) } });
        }
        written.push(
          ...change.intents.map((intent) => ({ id: intent._id, organization: intent.organization_id?.toHexString() })),
        );
      }
    });

    // Readers of every feed and of each organization's, each following its own cursor from the start.
    const read = async (organizationId?: ObjectId) => {
      const seen: string[] = [];
      let cursor = "0";
      for (;;) {
        const done = !writing;
        const page = await readFeed(db, organizationId, { after: cursor, limit: 7 });
        seen.push(...page.events.map((event) => event.id));
        cursor = page.next_cursor;
        if (done && !page.has_more) return seen;
      }
    };
    const readers = [read(), read(organizations[0]), read(organizations[1])];
    await Promise.all(writers);
    writing = false;
    const [all, first, second] = await Promise.all(readers);

    const mine = (seen: string[]) => seen.filter((id) => written.some((event) => event.id === id));
    expect(mine(all!).sort()).toEqual(written.map((event) => event.id).sort());
    expect(new Set(all).size).toBe(all!.length);
    const ofOrganization = (organization: ObjectId) =>
      written.filter((event) => event.organization === organization.toHexString()).map((event) => event.id);
    expect([...first!].sort()).toEqual(ofOrganization(organizations[0]!).sort());
    expect([...second!].sort()).toEqual(ofOrganization(organizations[1]!).sort());
    expect(await checkInvariants()).toEqual([]);
  }, 60_000);

  it("refuses a cursor it never gave, and costs one page at any length (a filtered read stops after ten)", async () => {
    const db = await database();
    await expect(readFeed(db, undefined, { after: "-1" })).rejects.toThrow(/cursor/);
    await expect(readFeed(db, undefined, { after: "1e3" })).rejects.toThrow(/cursor/);
    const page = await readFeed(db, undefined, { after: "0", types: ["webhook.disabled"] });
    expect(page.events).toEqual([]);
    expect(Number(page.next_cursor)).toBeGreaterThan(0);
  });
});

/** Each instant between a change and its event where a process may die. */
const INSTANTS = [
  { operation: "event-begin", step: 1, changed: false, label: "after announcing, before the change" },
  { operation: "event-commit", step: 0, changed: true, label: "after the change, before appending" },
  { operation: "event-commit", step: 1, changed: true, label: "after appending, before forgetting the intent" },
] as const;

/** Run an operation until it stops for good at the armed instant (as if its process were killed there). */
async function crashAt(operation: string, step: number, fault: Fault, run: () => Promise<unknown>): Promise<void> {
  const { reached } = injectFault(operation, step, fault);
  void run().catch(() => undefined);
  await reached;
}

async function eventsOf(type: string, organizationId: string) {
  const db = await database();
  return db.events.find({ type: type as never, organization_id: new ObjectId(organizationId) }).toArray();
}

describe.each(INSTANTS)("killed $label", ({ operation, step, changed }) => {
  it("a role change: the reconciler appends its event exactly when the role changed", async () => {
    const { organization, owner, memberId } = await organizationWithMember();
    await crashAt(operation, step, "crash", () => changeMemberRole(owner, memberId, "admin"));
    await reconcile({ graceSeconds: 0 });
    const db = await database();
    const membership = await db.memberships.findOne({ user_id: new ObjectId(memberId) });
    expect(membership!.role).toBe(changed ? "admin" : "member");
    expect(await eventsOf("member.role_changed", organization.id)).toHaveLength(changed ? 1 : 0);
    expect(await checkInvariants()).toEqual([]);
  });

  it("a removal", async () => {
    const { organization, owner, memberId } = await organizationWithMember();
    await crashAt(operation, step, "crash", () => removeMember(owner, memberId));
    await reconcile({ graceSeconds: 0 });
    const db = await database();
    const present = await db.memberships.countDocuments({ user_id: new ObjectId(memberId) });
    expect(present).toBe(changed ? 0 : 1);
    expect(await eventsOf("member.removed", organization.id)).toHaveLength(changed ? 1 : 0);
    expect(await checkInvariants()).toEqual([]);
  });

  it("a rename with a password change: both events, or neither, with the update", async () => {
    const { organization, owner } = await organizationWithMember();
    const newName = `Renamed ${unique()}`;
    await crashAt(operation, step, "crash", () =>
      updateOrganization(owner, {
        organizationName: organization.name,
        newOrganizationName: newName,
        password: "password-456",
        currentPassword: PASSWORD,
      }),
    );
    await reconcile({ graceSeconds: 0 });
    const db = await database();
    const record = await db.organizations.findOne({ _id: new ObjectId(organization.id) });
    expect(record!.name).toBe(changed ? newName : organization.name);
    expect(await eventsOf("organization.renamed", organization.id)).toHaveLength(changed ? 1 : 0);
    expect(await eventsOf("user.password_changed", organization.id)).toHaveLength(changed ? 1 : 0);
    expect(await checkInvariants()).toEqual([]);
  });

  it("a delete: once begun it is finished, and its event appended", async () => {
    const { organization, owner } = await organizationWithMember();
    await crashAt(operation, step, "crash", () => deleteOrganization(owner, organization.name));
    await reconcile({ graceSeconds: 0 });
    const db = await database();
    const record = await db.organizations.countDocuments({ _id: new ObjectId(organization.id) });
    expect(record).toBe(changed ? 0 : 1);
    expect(await eventsOf("organization.deleted", organization.id)).toHaveLength(changed ? 1 : 0);
    expect(await checkInvariants()).toEqual([]);
  });
});
