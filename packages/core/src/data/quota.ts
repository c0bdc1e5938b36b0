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
export async function statisticsOf({ tenants, collection }: TenantHandle): Promise<CollectionStatistics> {
  const documentCount = await collection.countDocuments();
  // FerretDB reports the storage an empty collection takes: no documents, no data.
  if (documentCount === 0) return { documentCount, dataBytes: 0, source: "computed" };
  try {
    const stats = await tenants.command({ collStats: collection.collectionName });
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
 * Counting a collection reads all of it on FerretDB (and costs a scan's worth on any server), which
 * would make every insert as slow as its tenant is large. So a container reuses a count for up to
 * {@link FRESH_MS}, adding what it let through since, but only while more headroom is left than
 * that window can use up: API Gateway's route throttle (100 requests/s by default) lets through at
 * most {@link WINDOW_WRITES} writes in it, each of at most TENANT_DOCUMENT_MAX_BYTES. So a reused
 * count can never let a write past a quota; nearer the limit every write is counted afresh, and
 * the bound below holds as it is.
 *
 * In that same far-from-the-quotas regime, writes that find the count expired while a new one is
 * already running wait for that one instead of each starting its own: where one process serves
 * many requests at once (the local server), a burst would otherwise start a count per request,
 * each a scan, all at the moment the window ends.
 */
const FRESH_MS = 2_000;
const WINDOW_WRITES = 200;

interface RecentCount {
  readonly at: number;
  documentCount: number;
  dataBytes: number;
}

const recentCounts = new Map<string, RecentCount>();
/** The count running for a collection whose last count was far from the quotas, if any. */
const countsUnderWay = new Map<string, Promise<RecentCount>>();

async function statisticsForQuota(
  handle: TenantHandle,
  quotas: { readonly maxDocuments: number; readonly maxDataBytes: number; readonly documentMaxBytes: number },
): Promise<RecentCount> {
  const key = `${handle.organization._id.toHexString()}.${handle.collection.namespace}`;
  const recent = recentCounts.get(key);
  const farFromQuotas = (count: RecentCount | undefined): count is RecentCount =>
    count !== undefined &&
    quotas.maxDocuments - count.documentCount > WINDOW_WRITES &&
    quotas.maxDataBytes - count.dataBytes > WINDOW_WRITES * quotas.documentMaxBytes;
  if (farFromQuotas(recent) && Date.now() - recent.at < FRESH_MS) return recent;
  const countAfresh = () =>
    statisticsOf(handle).then(({ documentCount, dataBytes }) => {
      const counted = { at: Date.now(), documentCount, dataBytes };
      recentCounts.set(key, counted);
      return counted;
    });
  if (!farFromQuotas(recent)) return countAfresh();
  const underWay = countsUnderWay.get(key);
  if (underWay) {
    const joined = await underWay;
    // The count joined found the tenant near a quota after all: this write counts for itself.
    return farFromQuotas(joined) ? joined : countAfresh();
  }
  const counting = countAfresh();
  countsUnderWay.set(key, counting);
  return counting.finally(() => countsUnderWay.delete(key));
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
  const { maxDocuments, maxDataBytes, documentMaxBytes } = config().data;
  const statistics = await statisticsForQuota(handle, { maxDocuments, maxDataBytes, documentMaxBytes });
  const refused =
    growth.documents > 0 && statistics.documentCount + growth.documents > maxDocuments
      ? new QuotaExceededError("max_documents", maxDocuments)
      : growth.bytes > 0 && statistics.dataBytes + growth.bytes > maxDataBytes
        ? new QuotaExceededError("max_data_bytes", maxDataBytes)
        : undefined;
  if (!refused) {
    // What this container lets through counts until the next count.
    statistics.documentCount += growth.documents;
    statistics.dataBytes += Math.max(0, growth.bytes);
    return;
  }
  const actingUserId = toObjectId(actor.userId);
  await recordAudit(
    handle.db,
    {
      action: "data.quota_exceeded",
      organizationId: handle.organization._id,
      ...(actingUserId && { userId: actingUserId }),
      ...(actor.clientId && { clientId: actor.clientId }),
      details: { quota: refused.extensions.quota },
    },
    context,
  );
  throw refused;
}
