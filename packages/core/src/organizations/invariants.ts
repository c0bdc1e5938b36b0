import { database, type Database } from "../db/client";
import { stillMirrors } from "../sessions/session";
import { COLLECTION_PREFIX } from "../slug";
import { config } from "../config";
import { cellDatabase } from "../cells/clients";
import { isSiloOf, legacyPlacement, NEW_TENANT_NAMESPACES, placementOf, tenantCollectionAt } from "../cells/placement";
import { indexesOf } from "../db/indexes";

/** Every tenant collection in every cell, as `cell/database/collection`: the pools' and the silos'. */
async function tenantCollectionsInCells(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const cell of config().cells) {
    const admin = (await cellDatabase(cell.name, "admin")).admin();
    const { databases } = await admin.listDatabases({ nameOnly: true });
    const names = databases
      .map((database) => database.name)
      .filter(
        (name) =>
          name === cell.database ||
          isSiloOf(cell.database, name) ||
          // Where records from before cells are: under that one cell only.
          (name === config().tenantDbName && cell.name === legacyPlacement()?.cell),
      );
    for (const name of names) {
      const tenants = await cellDatabase(cell.name, name);
      for (const { name: collection } of await tenants.listCollections({}, { nameOnly: true }).toArray()) {
        if (collection.startsWith(COLLECTION_PREFIX)) found.add(`${cell.name}/${name}/${collection}`);
      }
    }
  }
  return found;
}

/**
 * The consistency the service promises once no operation is in flight (after a reconcile): each
 * organization record has at least one owner and one tenant collection, no tenant collection or
 * membership lacks its record, every membership's user exists and every user has a membership,
 * every session still matches its membership (what it mirrors), and nothing is left half-done. Returns what is wrong, empty when all holds.
 */
export async function checkInvariants(): Promise<string[]> {
  const db = await database();
  const problems: string[] = [];
  const collections = await tenantCollectionsInCells();
  const claimed = new Set<string>();

  for await (const organization of db.organizations.find()) {
    const label = `organization ${organization._id.toHexString()} (${organization.slug})`;
    const placement = placementOf(organization);
    const where = `${placement.cell}/${placement.database}/${organization.collection_name}`;
    claimed.add(where);
    if (organization.pending) problems.push(`${label} has an unfinished ${organization.pending.op}`);
    if (organization.move) problems.push(`${label} has an unfinished move`);
    if (!collections.has(where)) problems.push(`${label} has no collection ${where}`);
    const expected = NEW_TENANT_NAMESPACES + (await indexesOf(await tenantCollectionAt(organization))).length;
    if (organization.placement && organization.placement.namespaces !== expected)
      problems.push(`${label} counts ${organization.placement.namespaces} namespaces for ${expected}`);
    const owners = await db.memberships.countDocuments({ organization_id: organization._id, role: "owner" });
    if (owners < 1) problems.push(`${label} has no owner`);
  }
  for (const where of collections) if (!claimed.has(where)) problems.push(`collection ${where} has no organization`);
  for await (const membership of db.memberships.find()) {
    if ((await db.organizations.countDocuments({ _id: membership.organization_id })) === 0)
      problems.push(`membership ${membership._id} has no organization`);
    if ((await db.users.countDocuments({ _id: membership.user_id })) === 0)
      problems.push(`membership ${membership._id} has no user`);
  }
  for await (const user of db.users.find({}, { projection: { email: 1 } })) {
    if ((await db.memberships.countDocuments({ user_id: user._id }, { limit: 1 })) === 0)
      problems.push(`user ${user.email} belongs to no organization`);
  }
  for await (const session of db.sessions.find()) {
    const membership = await db.memberships.findOne({ _id: session.membership_id });
    if (!stillMirrors(session, membership)) {
      problems.push(`session ${session._id.toHexString()} no longer matches its membership`);
    }
  }
  for await (const lock of db.locks.find()) problems.push(`lock ${String(lock._id)} is still held`);
  problems.push(...(await eventProblems(db)));
  return problems;
}

/**
 * The events agree with the records: no announced event is left undecided, both feeds number
 * without a gap or a repeat, every organization has exactly one `organization.created`, and one
 * renamed since has a `organization.renamed` to the name it has.
 */
async function eventProblems(db: Database): Promise<string[]> {
  const problems: string[] = [];
  for await (const intent of db.eventIntents.find())
    problems.push(`event ${intent._id} (${intent.type}) is still announced`);
  const events = await db.events.find().sort({ seq: 1 }).toArray();
  events.forEach((event, i) => {
    if (event.seq !== i + 1) problems.push(`event ${event._id} is number ${event.seq} of the feed, not ${i + 1}`);
  });
  const byOrganization = new Map<string, typeof events>();
  for (const event of events) {
    const key = event.organization_id?.toHexString();
    if (key) byOrganization.set(key, [...(byOrganization.get(key) ?? []), event]);
  }
  for (const [key, own] of byOrganization) {
    own
      .sort((a, b) => (a.org_seq ?? 0) - (b.org_seq ?? 0))
      .forEach((event, i) => {
        if (event.org_seq !== i + 1)
          problems.push(`event ${event._id} is number ${event.org_seq} of ${key}'s feed, not ${i + 1}`);
      });
  }
  for await (const organization of db.organizations.find({}, { projection: { name: 1, created_at: 1 } })) {
    // A restore under the id of an organization deleted before starts its life anew: what counts is since the last delete.
    const all = byOrganization.get(organization._id.toHexString()) ?? [];
    const own = all.slice(all.findLastIndex((event) => event.type === "organization.deleted") + 1);
    const created = own.filter(
      (event) => event.type === "organization.created" || event.type === "organization.restored",
    );
    if (created.length !== 1) problems.push(`organization ${organization.name} has ${created.length} created events`);
    const named = own.filter((event) => created.includes(event) || event.type === "organization.renamed").at(-1);
    if (named && named.data.name !== organization.name) {
      problems.push(`organization ${organization.name}'s last naming event names ${String(named.data.name)}`);
    }
  }
  return problems;
}
