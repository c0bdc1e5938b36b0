import { database } from "../db/client";
import { stillMirrors } from "../sessions/session";
import { COLLECTION_PREFIX } from "../slug";

/**
 * The consistency the service promises once no operation is in flight (after a reconcile): each
 * organization record has at least one owner and one tenant collection, no tenant collection or
 * membership lacks its record, every membership's user exists and every user has a membership,
 * every session still matches its membership (what it mirrors), and nothing is left half-done. Returns what is wrong, empty when all holds.
 */
export async function checkInvariants(): Promise<string[]> {
  const db = await database();
  const problems: string[] = [];
  const collections = new Set(
    (await db.tenants.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .filter((name) => name.startsWith(COLLECTION_PREFIX)),
  );
  const claimed = new Set<string>();

  for await (const organization of db.organizations.find()) {
    const label = `organization ${organization._id.toHexString()} (${organization.slug})`;
    claimed.add(organization.collection_name);
    if (organization.pending) problems.push(`${label} has an unfinished ${organization.pending.op}`);
    if (!collections.has(organization.collection_name))
      problems.push(`${label} has no collection ${organization.collection_name}`);
    const owners = await db.memberships.countDocuments({ organization_id: organization._id, role: "owner" });
    if (owners < 1) problems.push(`${label} has no owner`);
  }
  for (const name of collections) if (!claimed.has(name)) problems.push(`collection ${name} has no organization`);
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
  for await (const lock of db.locks.find()) problems.push(`organization ${lock._id.toHexString()} is still locked`);
  return problems;
}
