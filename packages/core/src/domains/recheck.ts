import type { ObjectId } from "mongodb";
import { recordAudit } from "../audit";
import type { Database } from "../db/client";
import { ConflictError } from "../errors";
import { withDomainsLock } from "../organizations/lock";
import { lookupTxt } from "./lookup";
import { recordNameOf } from "./names";

/** A verified domain's record is looked up again once it was last seen this long ago. */
export const RECHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Re-checks in a row that find no record before the domain is unverified: a record briefly gone (a DNS change) survives. */
export const UNVERIFY_AFTER_FAILURES = 3;
/** Claims re-checked per reconcile run at most (runs are 5 minutes apart: 14,400 a day). */
export const RECHECK_BATCH = 50;
/** Lookups at once: each waits on DNS, not on this process. */
const RECHECK_CONCURRENCY = 5;
/** No lookup starts after this much of the run: the reconciler has other work and a time limit. */
const RECHECK_BUDGET_MS = 20_000;

export interface DomainRecheckReport {
  /** Verified domains whose record was looked up again. */
  readonly domainsRechecked: number;
  /** Of those, the ones unverified: their record missing at the last {@link UNVERIFY_AFTER_FAILURES} re-checks. */
  readonly domainsUnverified: number;
  /** Claims and `verified_domains` rows that disagreed (a crash between their writes), made to agree. */
  readonly domainMirrorsMended: number;
}

type Outcome = "confirmed" | "missed" | "unverified" | "dns-failed" | "skipped";

/**
 * The reconciler's pass over verified domains (organizations/reconcile.ts): first the claims and
 * rows a crash left disagreeing are mended, then the verified domains last checked a day ago or
 * more, oldest first and at most {@link RECHECK_BATCH} of them, have their record looked up again:
 * found, the count of misses starts over; missing (NXDOMAIN, NODATA, or not the claim's value),
 * it grows, and at {@link UNVERIFY_AFTER_FAILURES} the domain is unverified (its row deleted, the
 * claim pending again, `domain.unverified` audited). DNS failing to answer (a timeout, SERVFAIL)
 * says nothing about the record: it counts as neither. Each claim under its organization's domains
 * lock, skipped when an owner's change holds it (the next run takes it).
 */
export async function recheckDomains(
  db: Database,
  options: { readonly now: Date; readonly cutoff: Date; readonly limit?: number },
): Promise<DomainRecheckReport> {
  const mended = await mendDomainMirrors(db, options.cutoff);
  const due = await db.domainClaims
    .find(
      {
        verified_at: { $exists: true },
        last_checked_at: { $lte: new Date(options.now.getTime() - RECHECK_INTERVAL_MS) },
      },
      { projection: { _id: 1, organization_id: 1 } },
    )
    .sort({ last_checked_at: 1 })
    .limit(options.limit ?? RECHECK_BATCH)
    .toArray();
  const started = Date.now();
  const outcomes: Outcome[] = [];
  for (let next = 0; next < due.length && Date.now() - started < RECHECK_BUDGET_MS; next += RECHECK_CONCURRENCY) {
    const batch = due.slice(next, next + RECHECK_CONCURRENCY);
    outcomes.push(...(await Promise.all(batch.map((claim) => recheckUnderLock(db, claim, options.now)))));
  }
  return {
    domainsRechecked: outcomes.filter((outcome) => outcome !== "skipped").length,
    domainsUnverified: outcomes.filter((outcome) => outcome === "unverified").length,
    domainMirrorsMended: mended,
  };
}

function recheckUnderLock(
  db: Database,
  claim: { readonly _id: ObjectId; readonly organization_id: ObjectId },
  now: Date,
): Promise<Outcome> {
  return withDomainsLock(db, claim.organization_id, () => recheckClaim(db, claim._id, now), 0).catch(
    (error: unknown) => {
      if (error instanceof ConflictError) return "skipped"; // an owner's change holds the lock: the next run
      throw error;
    },
  );
}

async function recheckClaim(db: Database, claimId: ObjectId, now: Date): Promise<Outcome> {
  // Read again under the lock: released, or re-verified, since it was found due.
  const claim = await db.domainClaims.findOne({ _id: claimId });
  if (!claim?.verified_at) return "skipped";
  const held = await db.verifiedDomains.findOne({ _id: claim.domain }, { projection: { claim_id: 1 } });
  if (!held?.claim_id.equals(claim._id)) return "skipped"; // a mirror out of step: mendDomainMirrors' business

  const lookup = await lookupTxt(recordNameOf(claim.domain));
  if (lookup.kind === "failed") {
    await db.domainClaims.updateOne({ _id: claim._id }, { $set: { last_checked_at: now } });
    return "dns-failed";
  }
  if (lookup.kind === "found" && lookup.values.some((value) => value.trim() === claim.token)) {
    await db.domainClaims.updateOne({ _id: claim._id }, { $set: { last_checked_at: now, check_failures: 0 } });
    return "confirmed";
  }
  const failures = (claim.check_failures ?? 0) + 1;
  if (failures < UNVERIFY_AFTER_FAILURES) {
    await db.domainClaims.updateOne({ _id: claim._id }, { $set: { last_checked_at: now, check_failures: failures } });
    return "missed";
  }
  // The row first, only this claim's: the domain is free the moment it goes.
  await db.verifiedDomains.deleteOne({ _id: claim.domain, claim_id: claim._id });
  await db.domainClaims.updateOne(
    { _id: claim._id },
    { $set: { last_checked_at: now, check_failures: failures }, $unset: { verified_at: "" } },
  );
  await recordAudit(db, {
    action: "domain.unverified",
    organizationId: claim.organization_id,
    details: { domain: claim.domain, reason: "record_missing", failed_checks: String(failures) },
  });
  return "unverified";
}

/**
 * A verification inserts the row, then marks the claim; a release or an unverification deletes
 * the row, then changes the claim; an organization's deletion takes no domains lock. A crash (or
 * that deletion) between two writes leaves them disagreeing, which is mended here once the grace
 * period has passed (no live request is still between its writes): a row whose claim is gone (or
 * is another's) is deleted, a row's claim without `verified_at` gets it, and a claim with
 * `verified_at` whose row is gone loses it. The row decides: it is what says who holds a domain.
 */
async function mendDomainMirrors(db: Database, cutoff: Date): Promise<number> {
  let mended = 0;
  for await (const row of db.verifiedDomains.find({ verified_at: { $lte: cutoff } })) {
    const claim = await db.domainClaims.findOne(
      { _id: row.claim_id },
      { projection: { organization_id: 1, domain: 1, verified_at: 1 } },
    );
    if (!claim?.organization_id.equals(row.organization_id) || claim.domain !== row._id) {
      mended += (await db.verifiedDomains.deleteOne({ _id: row._id, claim_id: row.claim_id })).deletedCount;
    } else if (!claim.verified_at) {
      const set = { verified_at: row.verified_at, last_checked_at: row.verified_at, check_failures: 0 };
      mended += (await db.domainClaims.updateOne({ _id: claim._id }, { $set: set })).modifiedCount;
    }
  }
  const marked = db.domainClaims.find({ verified_at: { $lte: cutoff } }, { projection: { domain: 1, verified_at: 1 } });
  for await (const claim of marked) {
    const row = await db.verifiedDomains.findOne({ _id: claim.domain }, { projection: { claim_id: 1 } });
    if (!row?.claim_id.equals(claim._id)) {
      mended += (await db.domainClaims.updateOne({ _id: claim._id }, { $unset: { verified_at: "" } })).modifiedCount;
    }
  }
  return mended;
}
