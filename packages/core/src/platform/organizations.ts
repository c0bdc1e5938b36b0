import type { Filter, ObjectId } from "mongodb";
import * as z from "zod/mini";
import { type AuditEvent, recordAudit } from "../audit";
import { moveOrganization, type MoveStatus, statusOf } from "../cells/move";
import { placementOf, tenantDatabaseAt } from "../cells/placement";
import { type PlatformActor, requirePlatformScope } from "../clients/authenticate";
import { config } from "../config";
import type { RequestContext } from "../context";
import type { TenantUsage } from "../data/indexes";
import type { TenantDocument } from "../data/tenant";
import { usageOf } from "../data/usage";
import { type Database, database } from "../db/client";
import type { AuditDocument, OrganizationDocument, Tier } from "../db/documents";
import { NotFoundError, ValidationError } from "../errors";
import { changeOrganization } from "../organizations/change-own-organization";
import { deleteHeldOrganization } from "../organizations/delete";
import { platformEventActor } from "../events/actor";
import { toObjectId, VISIBLE, visibleOrganization } from "../organizations/model";
import { matchesPrefix, searchKeyOf } from "../organizations/search";
import { pageOf } from "../paging";
import { parseInput } from "../validation";
import { PLATFORM_PAGE_MAX } from "./page";

/**
 * The platform operator's view of every organization (`/platform/organizations`): list and search
 * them, read one with its usage and owners, delete one, move one to another cell or tier. The
 * caller is a platform client (clients/authenticate.ts), never a member: each operation checks the
 * client's scope first, and each is audited with the client's id (`platform.*`), reads included —
 * the operator sees across tenants, so what it looked at is on record too (in the organization's
 * own log where there is one organization).
 */

/** An organization as the platform lists it. Status and metadata are still to come. */
export interface PlatformOrganization {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly createdAt: Date;
  readonly memberCount: number;
  readonly placement: { readonly cell: string; readonly tier: Tier };
  /** `suspended` while the operator has it suspended (platform/suspension.ts), with why and since when. */
  readonly status: "active" | "suspended";
  readonly suspension?: { readonly reason: string; readonly at: Date };
  readonly publicMetadata: Record<string, unknown>;
  readonly privateMetadata: Record<string, unknown>;
}

export interface PlatformOrganizationPage {
  readonly organizations: readonly PlatformOrganization[];
  /** Pass as `cursor` for the next (older) page; absent on the last. */
  readonly nextCursor?: string;
}

/** One organization with what it uses of its collection and who owns it. */
export interface PlatformOrganizationDetail extends PlatformOrganization {
  readonly usage: TenantUsage;
  readonly owners: readonly { readonly userId: string; readonly email: string }[];
}

/** A move as the platform reads it: under way (its last step, documents copied so far) or the last one finished. */
export interface PlatformMove {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly step: MoveStatus["step"];
  readonly from: { readonly cell: string; readonly tier: Tier };
  readonly to: { readonly cell: string; readonly tier: Tier };
  /** Documents copied so far; known while the move is under way (and in the answer that started it). */
  readonly copied?: number;
}

const tier = z.enum(["pool", "silo"]);

export const listOrganizationsInputSchema = z.object({
  limit: z.optional(z.int().check(z.gte(1), z.lte(PLATFORM_PAGE_MAX))),
  cursor: z.optional(z.string()),
  query: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(254))),
  cell: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  tier: z.optional(tier),
  status: z.optional(z.enum(["active", "suspended"])),
});
export type ListOrganizationsInput = z.input<typeof listOrganizationsInputSchema>;

export const startMoveInputSchema = z.object({
  cell: z.string().check(z.minLength(1), z.maxLength(64)),
  tier: z.optional(tier),
});
export type StartMoveInput = z.input<typeof startMoveInputSchema>;

/**
 * How long `POST …/move` works on the move before it answers 202 (the function's timeout is 10 s):
 * a small tenant is moved by then; a larger one is carried on by the reconciler (every few
 * minutes), the tenant mover function or `pnpm tenants move <name> --continue`.
 */
export const PLATFORM_MOVE_BUDGET_MS = 3_000;

const listProjection = {
  _id: 1,
  name: 1,
  slug: 1,
  created_at: 1,
  placement: 1,
  suspended: 1,
  public_metadata: 1,
  private_metadata: 1,
} as const;

/**
 * `GET /platform/organizations` (platform:read): every organization, newest first (by id, which
 * is made when it is created), a page at a time (keyset pagination on `_id`). `query` matches a
 * name or slug by prefix, case-insensitively, or the exact email of a member; `cell` and `tier`
 * filter by placement.
 *
 * FerretDB serves only top-level equality from its indexes, so the prefix match is one: the query
 * against each record's `search_prefixes` (organizations/search.ts), which an index serves, and
 * the other conditions are checked on what it finds — a search costs what it finds, not the size
 * of the registry. Unfiltered, or with an email that is a member's (the `$in` of their
 * organizations beside the prefix, in an `$or`), or by placement alone, the list still scans the
 * organizations: the price of the operator's view across every tenant, not a tenant's path.
 */
export async function listOrganizations(
  actor: PlatformActor,
  input: ListOrganizationsInput = {},
  context: RequestContext = {},
): Promise<PlatformOrganizationPage> {
  requirePlatformScope(actor, "platform:read", "list organizations");
  const options = parseInput(listOrganizationsInputSchema, input);
  const limit = options.limit ?? 50;
  const after = options.cursor === undefined ? undefined : toObjectId(options.cursor);
  if (options.cursor !== undefined && !after) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from a previous page" }]);
  }
  const db = await database();
  const filter: Filter<OrganizationDocument> = {
    ...VISIBLE,
    ...(options.cell !== undefined && { "placement.cell": options.cell }),
    ...(options.tier !== undefined && { "placement.tier": options.tier }),
    ...(options.status !== undefined && { suspended: { $exists: options.status === "suspended" } }),
  };
  const documents =
    options.query === undefined
      ? await db.organizations
          .find({ ...filter, ...(after && { _id: { $lt: after } }) }, { projection: listProjection })
          .sort({ _id: -1 })
          .limit(limit + 1)
          .toArray()
      : await searched(db, options.query, filter, after, limit + 1);
  const { items: page, nextCursor } = pageOf(documents, limit, (last) => last._id.toHexString());
  const organizations = await Promise.all(page.map((document) => summaryOf(db, document)));
  await audit(
    db,
    actor,
    {
      action: "platform.organizations_listed",
      details: {
        ...(options.query !== undefined && { query: options.query }),
        ...(options.cell !== undefined && { cell: options.cell }),
        ...(options.tier !== undefined && { tier: options.tier }),
        ...(options.cursor !== undefined && { cursor: options.cursor }),
      },
    },
    context,
  );
  return {
    organizations,
    ...(nextCursor && { nextCursor }),
  };
}

/**
 * The organizations a search finds, newest first, at most `wanted`: the ids its prefix finds in
 * the search entries (one equality FerretDB pushes down and an index serves) and, for an address,
 * those of the member with that email; each then read by its id (an index lookup) and kept when it
 * passes the other filters and still bears a matching name (an entry may name more than that).
 * What it costs grows with what it finds, not with how many organizations there are.
 */
async function searched(
  db: Database,
  query: string,
  filter: Filter<OrganizationDocument>,
  after: ObjectId | undefined,
  wanted: number,
): Promise<OrganizationDocument[]> {
  const [entries, memberOf] = await Promise.all([
    db.organizationSearch
      .find({ prefixes: searchKeyOf(query), ...(after && { _id: { $lt: after } }) }, { projection: { _id: 1 } })
      .toArray(),
    query.includes("@") ? organizationsOfEmail(db, query) : [],
  ]);
  const members = new Set(memberOf.map((id) => id.toHexString()));
  const candidates = [
    ...new Map(
      [
        ...entries.map(({ _id }) => _id),
        ...memberOf.filter((id) => !after || id.toHexString() < after.toHexString()),
      ].map((id) => [id.toHexString(), id]),
    ).values(),
  ].sort((a, b) => b.toHexString().localeCompare(a.toHexString()));
  const found: OrganizationDocument[] = [];
  for (let start = 0; start < candidates.length && found.length < wanted; start += wanted) {
    const batch = await Promise.all(
      candidates
        .slice(start, start + wanted)
        .map((_id) => db.organizations.findOne({ _id, ...filter }, { projection: listProjection })),
    );
    for (const organization of batch) {
      if (!organization || found.length >= wanted) continue;
      if (members.has(organization._id.toHexString()) || matchesPrefix(organization, query)) found.push(organization);
    }
  }
  return found;
}

/** The organizations of the user with this email (stored lower-cased): one read by the unique index, then their memberships. */
async function organizationsOfEmail(db: Database, email: string): Promise<ObjectId[]> {
  const user = await db.users.findOne({ email: email.toLowerCase() }, { projection: { _id: 1 } });
  if (!user) return [];
  const memberships = await db.memberships
    .find({ user_id: user._id }, { projection: { organization_id: 1 } })
    .toArray();
  return memberships.map(({ organization_id }) => organization_id);
}

async function summaryOf(db: Database, document: OrganizationDocument): Promise<PlatformOrganization> {
  // One count per organization, by the index on the organization's memberships.
  const memberCount = await db.memberships.countDocuments({ organization_id: document._id });
  const { cell, tier } = placementOf(document);
  return {
    id: document._id.toHexString(),
    name: document.name,
    slug: document.slug,
    createdAt: document.created_at,
    memberCount,
    placement: { cell, tier },
    status: document.suspended ? "suspended" : "active",
    ...(document.suspended && { suspension: { reason: document.suspended.reason, at: document.suspended.at } }),
    publicMetadata: document.public_metadata ?? {},
    privateMetadata: document.private_metadata ?? {},
  };
}

/** `GET /platform/organizations/{organization_id}` (platform:read): the organization, its usage and its owners. */
export async function getPlatformOrganization(
  actor: PlatformActor,
  id: string,
  context: RequestContext = {},
): Promise<PlatformOrganizationDetail> {
  requirePlatformScope(actor, "platform:read", "read organizations");
  const db = await database();
  const organization = await visibleOrganization(db, id);
  // Where its data is read now: the source until a move switches.
  const tenants = await tenantDatabaseAt(placementOf(organization));
  const collection = tenants.collection<TenantDocument>(organization.collection_name);
  const [summary, usage, owners] = await Promise.all([
    summaryOf(db, organization),
    usageOf({ db, organization, tenants, collection }),
    db.memberships
      .find({ organization_id: organization._id, role: "owner" }, { projection: { user_id: 1, email: 1 } })
      .sort({ joined_at: 1, _id: 1 })
      .toArray(),
  ]);
  await audit(db, actor, { action: "platform.organization_viewed", organizationId: organization._id }, context);
  return {
    ...summary,
    usage,
    owners: owners.map((owner) => ({ userId: owner.user_id.toHexString(), email: owner.email })),
  };
}

/**
 * `DELETE /platform/organizations/{organization_id}` (platform:write): what its owner's delete
 * does (organizations/delete.ts: the same steps, under the same lock, finished by the reconciler
 * if interrupted), audited as `platform.organization_deleted` with the client. Refused (409
 * tenant-moving) while its data moves.
 */
export async function deletePlatformOrganization(
  actor: PlatformActor,
  id: string,
  context: RequestContext = {},
): Promise<{ id: string; name: string }> {
  requirePlatformScope(actor, "platform:write", "delete organizations");
  const db = await database();
  const found = await visibleOrganization(db, id);
  const { name } = await changeOrganization(db, found, (organization) =>
    deleteHeldOrganization(
      db,
      organization,
      { action: "platform.organization_deleted", clientId: actor.clientId },
      platformEventActor(actor),
      context,
    ),
  );
  return { id: found._id.toHexString(), name };
}

/**
 * `POST /platform/organizations/{organization_id}/move` (platform:write): what `pnpm tenants move`
 * starts (cells/move.ts: fenced, copied, verified, switched, the source dropped), to `cell` and
 * `tier` (default: its current tier). Worked on for up to `budgetMs` without waiting out the drain
 * periods, then answered where it got to; the reconciler carries it on. Asking again for the same
 * target carries on the move under way.
 */
export async function startPlatformMove(
  actor: PlatformActor,
  id: string,
  input: StartMoveInput,
  options: { readonly budgetMs?: number; readonly context?: RequestContext } = {},
): Promise<PlatformMove> {
  requirePlatformScope(actor, "platform:write", "move organizations");
  const target = parseInput(startMoveInputSchema, input);
  if (!config().cells.some((cell) => cell.name === target.cell)) {
    throw new ValidationError([{ path: "cell", message: `no cell is named "${target.cell}"` }]);
  }
  const db = await database();
  const organization = await visibleOrganization(db, id);
  const status = await moveOrganization(db, organization._id, target.cell, target.tier, {
    budgetMs: options.budgetMs ?? PLATFORM_MOVE_BUDGET_MS,
    waitForDrain: false,
    actor,
    ...(options.context && { context: options.context }),
  });
  await audit(
    db,
    actor,
    {
      action: "platform.move_started",
      organizationId: organization._id,
      details: {
        from_cell: status.from.cell,
        from_tier: status.from.tier,
        to_cell: status.to.cell,
        to_tier: status.to.tier,
      },
    },
    options.context,
  );
  return moveOf(status);
}

const MOVE_ACTIONS = ["tenant.move_started", "tenant.moved", "tenant.move_undone"] as const;

/**
 * `GET /platform/organizations/{organization_id}/move` (platform:read): the move under way (its
 * last step, documents copied), or else how the last one ended (`done` or `undone`), read from the
 * audit log, which is where a finished move leaves its trace. Never moved: 404.
 */
export async function getPlatformMove(
  actor: PlatformActor,
  id: string,
  context: RequestContext = {},
): Promise<PlatformMove> {
  requirePlatformScope(actor, "platform:read", "read organizations' moves");
  const db = await database();
  const organization = await visibleOrganization(db, id);
  const move = organization.move ? moveOf(statusOf(organization)) : await lastMove(db, organization);
  await audit(db, actor, { action: "platform.move_viewed", organizationId: organization._id }, context);
  if (!move) throw new NotFoundError("The organization has not been moved.");
  return move;
}

/**
 * The last move of an organization that has none under way, by its audit entries (the index on
 * the organization's entries, newest first; FerretDB filters the actions by scanning those). A
 * start whose end was not recorded (the audit is best effort) ended where the placement says.
 */
async function lastMove(db: Database, organization: OrganizationDocument): Promise<PlatformMove | undefined> {
  const [entry] = await db.audit
    .find({ organization_id: organization._id, action: { $in: [...MOVE_ACTIONS] } })
    .sort({ _id: -1 })
    .limit(1)
    .toArray();
  const details = entry?.details;
  if (!entry || !details) return undefined;
  const side = (prefix: "from" | "to") => ({
    cell: String(details[`${prefix}_cell`]),
    tier: details[`${prefix}_tier`] === "silo" ? ("silo" as const) : ("pool" as const),
  });
  const from = side("from");
  const to = side("to");
  const placement = placementOf(organization);
  const arrived = placement.cell === to.cell && placement.tier === to.tier;
  const step: PlatformMove["step"] = endOf(entry.action, arrived);
  return { organizationId: organization._id.toHexString(), organizationName: organization.name, step, from, to };
}

function endOf(action: AuditDocument["action"], arrived: boolean): "done" | "undone" {
  if (action === "tenant.moved") return "done";
  if (action === "tenant.move_undone") return "undone";
  return arrived ? "done" : "undone";
}

function moveOf(status: MoveStatus): PlatformMove {
  return {
    organizationId: status.organizationId,
    organizationName: status.organizationName,
    step: status.step,
    from: { cell: status.from.cell, tier: status.from.tier },
    to: { cell: status.to.cell, tier: status.to.tier },
    copied: status.copied,
  };
}

function audit(
  db: Database,
  actor: PlatformActor,
  event: Omit<AuditEvent, "clientId">,
  context: RequestContext = {},
): Promise<void> {
  return recordAudit(db, { ...event, clientId: actor.clientId }, context);
}
