import { recordAudit } from "../audit";
import { config } from "../config";
import type { RequestContext } from "../context";
import { QuotaExceededError } from "../errors";
import { type Actor, toObjectId } from "../organizations/model";
import { bsonSize } from "./rules";
import type { TenantHandle } from "./tenant";

export interface CollectionStatistics {
  readonly documentCount: number;
  readonly dataBytes: number;
  /** Where the numbers come from: the server's `collStats`, or counted here when it does not report them. */
  readonly source: "server" | "computed";
}

/**
 * How many documents the collection holds and how many bytes of data: the server's collStats
 * where it reports both, otherwise counted (the documents' BSON sizes summed). The count is
 * always counted: collStats' count may lag on some servers, and a quota is about documents.
 */
export async function statisticsOf({ db, collection }: TenantHandle): Promise<CollectionStatistics> {
  const documentCount = await collection.countDocuments();
  // FerretDB reports the storage an empty collection takes: no documents, no data.
  if (documentCount === 0) return { documentCount, dataBytes: 0, source: "computed" };
  try {
    const stats = await db.tenants.command({ collStats: collection.collectionName });
    const size = Number(stats.size);
    if (Number.isFinite(size) && size > 0) {
      return { documentCount, dataBytes: size, source: "server" };
    }
  } catch {
    // A collection not created yet, or a server without collStats: count below.
  }
  let dataBytes = 0;
  for await (const document of collection.find({})) dataBytes += bsonSize(document);
  return { documentCount, dataBytes, source: "computed" };
}

/**
 * Refuse a write that would take the organization past its quotas (403 quota-exceeded, audited),
 * before anything is written. Checked, then written: without transactions, N writers at once may
 * each pass the check, so the collection may overshoot by at most N − 1 documents, and by at most
 * (N − 1) × TENANT_DOCUMENT_MAX_BYTES bytes.
 */
export async function checkQuota(
  handle: TenantHandle,
  actor: Actor,
  growth: { readonly documents: number; readonly bytes: number },
  context: RequestContext,
): Promise<void> {
  if (growth.documents <= 0 && growth.bytes <= 0) return;
  const { maxDocuments, maxDataBytes } = config().data;
  const statistics = await statisticsOf(handle);
  const refused =
    growth.documents > 0 && statistics.documentCount + growth.documents > maxDocuments
      ? new QuotaExceededError("max_documents", maxDocuments)
      : growth.bytes > 0 && statistics.dataBytes + growth.bytes > maxDataBytes
        ? new QuotaExceededError("max_data_bytes", maxDataBytes)
        : undefined;
  if (!refused) return;
  const adminId = toObjectId(actor.userId);
  await recordAudit(
    handle.db,
    {
      action: "data.quota_exceeded",
      organizationId: handle.organization._id,
      ...(adminId && { adminId }),
      details: { quota: refused.extensions.quota },
    },
    context,
  );
  throw refused;
}
