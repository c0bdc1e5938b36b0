import { ObjectId } from "mongodb";
import * as z from "zod/mini";
import { requireScope } from "../auth/permissions";
import { recordAudit } from "../audit";
import { nowOf, type RequestContext } from "../context";
import { database } from "../db/client";
import type { DomainClaimDocument, JoinMode, VerifiedDomainDocument } from "../db/documents";
import { isDuplicateKeyError } from "../db/mongo-errors";
import { ConflictError, NotFoundError, UpstreamUnavailableError, ValidationError } from "../errors";
import { withDomainsLock } from "../organizations/lock";
import { type Actor, ownOrganization, toObjectId } from "../organizations/model";
import { newRandomSecret } from "../random-secret";
import { parseInput } from "../validation";
import { lookupTxt } from "./lookup";
import { domainSchema, normalizeDomain, recordNameOf } from "./names";

export const JOIN_MODES = ["off", "auto-join", "suggest"] as const satisfies readonly JoinMode[];
export const joinModeSchema = z.enum(JOIN_MODES);

/** Domains an organization may claim at once: enough for its brands and regions, few enough to list in one page. */
export const MAX_DOMAIN_CLAIMS = 20;

/** How long a client should wait after DNS failed to answer before verifying again. */
const DNS_RETRY_AFTER_SECONDS = 30;

export const claimDomainInputSchema = z.object({ domain: domainSchema });
export type ClaimDomainInput = z.input<typeof claimDomainInputSchema>;

export const joinModeInputSchema = z.object({ joinMode: joinModeSchema });
export type JoinModeInput = z.input<typeof joinModeInputSchema>;

/** A claim as its organization's owners and admins see it: its state and the record that verifies it. */
export interface DomainClaim {
  readonly domain: string;
  /** `verified`: the organization holds the domain (its `verified_domains` row); else `pending`. */
  readonly state: "pending" | "verified";
  /** What to publish: a TXT record of this name and value. */
  readonly record: { readonly type: "TXT"; readonly name: string; readonly value: string };
  readonly joinMode: JoinMode;
  readonly createdAt: Date;
  readonly verifiedAt?: Date;
  readonly lastCheckedAt?: Date;
  /** Re-checks in a row that found no record; the third unverifies the domain. */
  readonly checkFailures: number;
}

function toClaim(claim: DomainClaimDocument, held: VerifiedDomainDocument | null | undefined): DomainClaim {
  const verified = held?.claim_id.equals(claim._id) === true;
  return {
    domain: claim.domain,
    state: verified ? "verified" : "pending",
    record: { type: "TXT", name: recordNameOf(claim.domain), value: claim.token },
    joinMode: claim.join_mode,
    createdAt: claim.created_at,
    ...(verified && { verifiedAt: held.verified_at }),
    ...(claim.last_checked_at && { lastCheckedAt: claim.last_checked_at }),
    checkFailures: claim.check_failures ?? 0,
  };
}

/**
 * The verification failed because DNS has no such record (or not with the claim's value): a 422
 * naming the record to publish, in `detail` and as the problem's `record` member.
 */
export class VerificationRecordMissingError extends ValidationError {
  override readonly extensions: { readonly record: { type: "TXT"; name: string; value: string } };
  constructor(name: string, value: string, foundOthers: boolean) {
    super([
      {
        path: "domain",
        message: `${foundOthers ? `the TXT records at ${name} do not include the claim's value` : `there is no TXT record at ${name}`}: publish ${name} TXT ${JSON.stringify(value)} and verify again (a change in DNS may take a while to be seen)`,
      },
    ]);
    this.extensions = { record: { type: "TXT", name, value } };
  }
}

const notClaimed = (domain: string) => new NotFoundError(`The organization has not claimed ${domain}.`);

export const heldElsewhere = (domain: string) =>
  new ConflictError(
    `${domain} is verified by another organization: it can be verified here once that organization releases it or loses its record.`,
    "domain",
    { issue: "is verified by another organization" },
  );

/** Who acted, for the audit log. */
const auditedActor = (actor: Actor) => ({
  userId: toObjectId(actor.userId),
  ...(actor.clientId && { clientId: actor.clientId }),
});

/** `GET /org/domains`: the organization's claims, by domain, with their state and record. */
export async function listDomains(actor: Actor): Promise<DomainClaim[]> {
  requireScope(actor, "org:domains", "list the organization's domains");
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const [claims, held] = await Promise.all([
    db.domainClaims.find({ organization_id: organization._id }).sort({ domain: 1 }).toArray(),
    db.verifiedDomains.find({ organization_id: organization._id }).toArray(),
  ]);
  return claims.map((claim) =>
    toClaim(
      claim,
      held.find((row) => row.claim_id.equals(claim._id)),
    ),
  );
}

/**
 * `POST /org/domains`: claim a domain, pending until its TXT record is verified. The token is new
 * and random for each claim, so that a record published for one organization proves nothing for
 * another. A domain another organization has verified may be claimed (its verification answers
 * 409 while that one holds it). At most {@link MAX_DOMAIN_CLAIMS} per organization, counted under
 * the organization's domains lock so that claims at once cannot pass it; one claim per domain and
 * organization (the unique index).
 */
export async function claimDomain(
  actor: Actor,
  input: ClaimDomainInput,
  context: RequestContext = {},
): Promise<DomainClaim> {
  requireScope(actor, "org:domains", "claim domains");
  const { domain } = parseInput(claimDomainInputSchema, input);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const claim = await withDomainsLock(db, organization._id, async () => {
    const claimed = await db.domainClaims.countDocuments(
      { organization_id: organization._id },
      { limit: MAX_DOMAIN_CLAIMS },
    );
    if (claimed >= MAX_DOMAIN_CLAIMS)
      throw new ConflictError(
        `The organization has claimed as many domains as it may (${MAX_DOMAIN_CLAIMS}): release one first.`,
        "domain",
        { issue: "is one too many" },
      );
    const document: DomainClaimDocument = {
      _id: new ObjectId(),
      organization_id: organization._id,
      domain,
      token: newRandomSecret("org-service-verification=").secret,
      join_mode: "off",
      created_at: nowOf(context),
    };
    try {
      await db.domainClaims.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new ConflictError(`The organization has claimed ${domain} already.`, "domain", {
          issue: "is claimed already",
        });
      throw error;
    }
    return document;
  });
  await recordAudit(
    db,
    { action: "domain.claimed", organizationId: organization._id, ...auditedActor(actor), details: { domain } },
    context,
  );
  return toClaim(claim, null);
}

/**
 * `POST /org/domains/{domain}/verify`: look the claim's TXT record up now and, if one of the
 * records at `_org-service-verification.<domain>` is the claim's token, hold the domain. Of two
 * organizations verifying one domain at once, the one whose `verified_domains` insert comes first
 * holds it; the other gets 409, as does any verification while another organization holds it. A
 * record not (yet) there is a 422 that names it; DNS failing to answer (a timeout, SERVFAIL) a 503
 * with Retry-After, which decides nothing. Under the organization's domains lock: one lookup at a
 * time per organization, and no release can interleave with it. Verifying a domain held already
 * answers it as it is.
 */
export async function verifyDomain(
  actor: Actor,
  domainInput: string,
  context: RequestContext = {},
): Promise<DomainClaim> {
  requireScope(actor, "org:domains", "verify domains");
  const domain = normalizeDomain(domainInput);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  return withDomainsLock(db, organization._id, async () => {
    const claim = await db.domainClaims.findOne({ organization_id: organization._id, domain });
    if (!claim) throw notClaimed(domain);
    const held = await db.verifiedDomains.findOne({ _id: domain });
    if (held?.claim_id.equals(claim._id)) {
      // Held already; a crash between the two writes of an earlier verification may have left the mirror unset.
      if (!claim.verified_at)
        await db.domainClaims.updateOne({ _id: claim._id }, { $set: { verified_at: held.verified_at } });
      return toClaim(claim, held);
    }
    if (held && !held.organization_id.equals(organization._id)) throw heldElsewhere(domain);
    // Left by an earlier claim of this organization's that a crash kept from going with it.
    if (held) await db.verifiedDomains.deleteOne({ _id: domain, claim_id: held.claim_id });

    const name = recordNameOf(domain);
    const lookup = await lookupTxt(name);
    if (lookup.kind === "failed") {
      throw new UpstreamUnavailableError(
        `DNS gave no answer for ${name} (${lookup.code}): nothing was decided; try again shortly.`,
        DNS_RETRY_AFTER_SECONDS,
      );
    }
    const now = nowOf(context);
    if (lookup.kind === "missing" || !lookup.values.some((value) => value.trim() === claim.token)) {
      await db.domainClaims.updateOne({ _id: claim._id }, { $set: { last_checked_at: now } });
      throw new VerificationRecordMissingError(name, claim.token, lookup.kind === "found");
    }
    const row: VerifiedDomainDocument = {
      _id: domain,
      organization_id: organization._id,
      claim_id: claim._id,
      verified_at: now,
    };
    try {
      await db.verifiedDomains.insertOne(row);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw heldElsewhere(domain);
      throw error;
    }
    const { matchedCount } = await db.domainClaims.updateOne(
      { _id: claim._id },
      { $set: { verified_at: now, last_checked_at: now, check_failures: 0 } },
    );
    if (matchedCount === 0) {
      // The claim went meanwhile (its organization's deletion takes no domains lock): so does the row.
      await db.verifiedDomains.deleteOne({ _id: domain, claim_id: claim._id });
      throw notClaimed(domain);
    }
    await recordAudit(
      db,
      { action: "domain.verified", organizationId: organization._id, ...auditedActor(actor), details: { domain } },
      context,
    );
    return toClaim({ ...claim, verified_at: now, last_checked_at: now, check_failures: 0 }, row);
  });
}

/**
 * `PATCH /org/domains/{domain}`: what a verified domain lets users with a verified email in it do:
 * nothing (`off`), join as members (`auto-join`) or ask to (`suggest`). Set on a pending claim, it
 * applies once the domain is verified.
 */
export async function setDomainJoinMode(
  actor: Actor,
  domainInput: string,
  input: JoinModeInput,
  context: RequestContext = {},
): Promise<DomainClaim> {
  requireScope(actor, "org:domains", "set domains' join mode");
  const domain = normalizeDomain(domainInput);
  const { joinMode } = parseInput(joinModeInputSchema, input);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const claim = await db.domainClaims.findOneAndUpdate(
    { organization_id: organization._id, domain },
    { $set: { join_mode: joinMode } },
    { returnDocument: "before" },
  );
  if (!claim) throw notClaimed(domain);
  if (claim.join_mode !== joinMode) {
    await recordAudit(
      db,
      {
        action: "domain.join_mode_changed",
        organizationId: organization._id,
        ...auditedActor(actor),
        details: { domain, from: claim.join_mode, to: joinMode },
      },
      context,
    );
  }
  const held = await db.verifiedDomains.findOne({ _id: domain });
  return toClaim({ ...claim, join_mode: joinMode }, held);
}

/**
 * `DELETE /org/domains/{domain}`: release the claim and, if this organization holds the domain,
 * the domain (its own `verified_domains` row only: never another organization's), which another
 * organization may then verify. The row goes first: a crash in between leaves a claim that the
 * listing shows pending and the reconciler mends, never a domain held without its claim.
 */
export async function releaseDomain(
  actor: Actor,
  domainInput: string,
  context: RequestContext = {},
): Promise<{ readonly released: true; readonly domain: string }> {
  requireScope(actor, "org:domains", "release domains");
  const domain = normalizeDomain(domainInput);
  const db = await database();
  const organization = await ownOrganization(db, actor);
  const wasVerified = await withDomainsLock(db, organization._id, async () => {
    const claim = await db.domainClaims.findOne({ organization_id: organization._id, domain });
    if (!claim) throw notClaimed(domain);
    const { deletedCount } = await db.verifiedDomains.deleteOne({ _id: domain, claim_id: claim._id });
    await db.domainClaims.deleteOne({ _id: claim._id });
    return deletedCount > 0;
  });
  await recordAudit(
    db,
    {
      action: "domain.released",
      organizationId: organization._id,
      ...auditedActor(actor),
      details: { domain, was_verified: wasVerified },
    },
    context,
  );
  return { released: true, domain };
}
