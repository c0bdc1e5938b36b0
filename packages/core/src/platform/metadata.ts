import { recordAudit } from "../audit";
import { type PlatformActor, requirePlatformScope } from "../clients/authenticate";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import { bsonSize, isPlainObject, valueIssues } from "../data/rules";
import { NotFoundError, TooLargeError, ValidationError, type FieldIssue } from "../errors";
import { platformEventActor } from "../events/actor";
import { beginChange } from "../events/change";
import { withOrganizationLockWaiting } from "../organizations/lock";
import { toObjectId, VISIBLE } from "../organizations/model";

/** How large each metadata object may be, as BSON (what is stored): 8 KiB. */
export const METADATA_MAX_BYTES = 8 * 1024;

/**
 * What the operator attaches to an organization: `public_metadata`, which the organization's
 * members read (`GET /org/get`, `GET /me`) — a plan, a feature flag — and `private_metadata`,
 * which only platform clients read — a billing customer id. Organizations write neither.
 */
export interface OrganizationMetadata {
  readonly publicMetadata: Record<string, unknown>;
  readonly privateMetadata: Record<string, unknown>;
}

export interface MetadataPatch {
  /** Merged key by key: a key set to `null` is deleted, the others replace what they name. */
  readonly publicMetadata?: unknown;
  readonly privateMetadata?: unknown;
}

const FIELDS = { publicMetadata: "public_metadata", privateMetadata: "private_metadata" } as const;

/**
 * `PATCH /platform/organizations/{id}/metadata` (platform:write): merge into either object. Each
 * object follows the document API's key rules (no `$` at the start of a name, no `.` or NUL, at
 * most 20 levels) and holds at most 8 KiB once merged. Under the organization's lock, so two
 * patches at once both land, one after the other, and the size is checked against what is really
 * stored. Audited with the keys changed (never their values).
 */
export async function patchOrganizationMetadata(
  actor: PlatformActor,
  organizationId: string,
  patch: MetadataPatch,
  context: RequestContext = {},
): Promise<OrganizationMetadata> {
  requirePlatformScope(actor, "platform:write", "change an organization's metadata");
  const id = toObjectId(organizationId);
  if (!id) throw new ValidationError([{ path: "organization_id", message: "is not an organization id" }]);
  const changes = checkedPatch(patch);
  if (changes.length === 0) {
    throw new ValidationError([{ path: "", message: "give public_metadata and/or private_metadata" }]);
  }
  const db = await database();
  return withOrganizationLockWaiting(db, id, async () => {
    const organization = await db.organizations.findOne(
      { _id: id, ...VISIBLE },
      { projection: { public_metadata: 1, private_metadata: 1 } },
    );
    if (!organization) throw new NotFoundError("No organization has this id.");
    const merged = {
      publicMetadata: { ...(organization.public_metadata ?? {}) },
      privateMetadata: { ...(organization.private_metadata ?? {}) },
    };
    for (const { field, key, value } of changes) {
      if (value === null) delete merged[field][key];
      else merged[field][key] = value;
    }
    for (const field of ["publicMetadata", "privateMetadata"] as const) {
      const size = bsonSize(merged[field]);
      if (size > METADATA_MAX_BYTES) {
        throw new TooLargeError(
          `${FIELDS[field]} would be ${size} bytes as BSON; at most ${METADATA_MAX_BYTES} are kept.`,
        );
      }
    }
    const change = await beginChange(
      db,
      platformEventActor(actor),
      [
        {
          type: "organization.metadata_updated",
          organizationId: id,
          // The private metadata is the platform's alone: its keys are told, never its values.
          data: {
            changed: (["publicMetadata", "privateMetadata"] as const)
              .filter((field) => changes.some((given) => given.field === field))
              .map((field) => FIELDS[field]),
            public_metadata: merged.publicMetadata,
            private_metadata_keys: Object.keys(merged.privateMetadata),
          },
          proof: { kind: "marked", collection: "organizations", id },
        },
      ],
      nowOf(context),
    );
    await db.organizations.updateOne(
      { _id: id },
      {
        $set: {
          public_metadata: merged.publicMetadata,
          private_metadata: merged.privateMetadata,
          ...change.mark("organization.metadata_updated"),
        },
      },
    );
    await change.commit(db);
    await recordAudit(
      db,
      {
        action: "organization.metadata_updated",
        organizationId: id,
        clientId: actor.clientId,
        details: Object.fromEntries(
          // A colon, not a dot: a field name with a dot is refused by the database.
          changes.map(({ field, key, value }) => [`${FIELDS[field]}:${key}`, value === null ? "deleted" : "set"]),
        ),
      },
      context,
    );
    return merged;
  });
}

function checkedPatch(patch: MetadataPatch) {
  const issues: FieldIssue[] = [];
  const changes: { field: keyof typeof FIELDS; key: string; value: unknown }[] = [];
  for (const field of ["publicMetadata", "privateMetadata"] as const) {
    const given = patch[field];
    if (given === undefined) continue;
    if (!isPlainObject(given)) {
      issues.push({ path: FIELDS[field], message: "must be a JSON object (a key set to null is deleted)" });
      continue;
    }
    valueIssues(given, FIELDS[field], 1, issues);
    for (const [key, value] of Object.entries(given)) changes.push({ field, key, value });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return changes;
}
