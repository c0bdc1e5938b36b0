import { config } from "../config";
import type { Actor } from "../organizations/model";
import { listIndexesOf, type TenantUsage } from "./indexes";
import { statisticsOf } from "./quota";
import { type TenantHandle, tenantCollectionOf } from "./tenant";

/**
 * What the caller's organization uses of its collection, beside its quotas: documents and bytes of
 * data (the server's collStats where it reports them, otherwise counted), and the indexes it
 * created (the one on `_id` not counted, as the quota does not count it). Any member may read it.
 */
export async function getUsage(actor: Actor): Promise<TenantUsage> {
  return usageOf(await tenantCollectionOf(actor, "org:read", "read the organization's usage", "read"));
}

/** What a tenant's collection uses, beside its quotas: the members' usage and the platform API's. */
export async function usageOf(handle: TenantHandle): Promise<TenantUsage> {
  const [statistics, indexes] = await Promise.all([statisticsOf(handle), listIndexesOf(handle)]);
  const { maxDocuments, maxDataBytes, maxIndexes } = config().data;
  return {
    documentCount: statistics.documentCount,
    dataBytes: statistics.dataBytes,
    indexCount: indexes.length,
    quotas: { maxDocuments, maxDataBytes, maxIndexes },
  };
}
