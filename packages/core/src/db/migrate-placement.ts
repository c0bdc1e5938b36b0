import { legacyPlacement } from "../cells/placement";
import type { Database } from "./client";

/**
 * Records written before cells carry no placement: on connect they are given the one their
 * collection has always had (cells/placement.ts, legacyPlacement), so that every record counts
 * against its cell's budget. One update, idempotent; a record created meanwhile already has one.
 */
export async function placeUnplacedOrganizations(db: Database): Promise<number> {
  const { modifiedCount } = await db.organizations.updateMany(
    { placement: { $exists: false } },
    { $set: { placement: legacyPlacement() } },
  );
  return modifiedCount;
}
