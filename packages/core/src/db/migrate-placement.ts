import { legacyPlacement, NEW_TENANT_NAMESPACES, NO_LEGACY_CELL, UNPLACED } from "../cells/legacy-placement";
import { ConfigurationError } from "../errors";
import type { Collection, Db } from "mongodb";
import type { OrganizationDocument } from "./documents";
import { indexesOf } from "./indexes";

/**
 * Records written before cells carry no placement: on connect each is given the one its collection
 * has always had (cells/placement.ts, legacyPlacement), counting the indexes it has there, so that
 * every record counts what it holds against its cell's budget. Conditional on the record still
 * having none, so containers connecting at once agree; with nothing to place it costs one query.
 * When such records exist and no cell is where they are, the service refuses to start rather than
 * guess.
 */
export async function placeUnplacedOrganizations(db: {
  readonly organizations: Collection<OrganizationDocument>;
  readonly tenants: Db;
}): Promise<number> {
  let placed = 0;
  const unplaced = db.organizations.find(UNPLACED, { projection: { _id: 1, collection_name: 1 } });
  for await (const organization of unplaced) {
    const placement = legacyPlacement();
    if (!placement) throw new ConfigurationError(NO_LEGACY_CELL);
    const namespaces =
      NEW_TENANT_NAMESPACES + (await indexesOf(db.tenants.collection(organization.collection_name))).length;
    const { modifiedCount } = await db.organizations.updateOne(
      { _id: organization._id, ...UNPLACED },
      { $set: { placement: { ...placement, namespaces } } },
    );
    placed += modifiedCount;
  }
  return placed;
}
