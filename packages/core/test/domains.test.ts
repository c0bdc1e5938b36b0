import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  approveJoinRequest,
  claimDomain,
  ConfigurationError,
  ConflictError,
  createOrganization,
  declineJoinRequest,
  deleteOrganization,
  EmailNotVerifiedError,
  emailDomain,
  ForbiddenError,
  joinOrganization,
  listAudit,
  listDomains,
  listJoinableOrganizations,
  listJoinRequests,
  MAX_DOMAIN_CLAIMS,
  NotFoundError,
  normalizeDomain,
  parseConfig,
  reconcile,
  releaseDomain,
  resetConfig,
  setDomainJoinMode,
  UpstreamUnavailableError,
  ValidationError,
  verifiedDomainOwner,
  verifiedDomainsOf,
  verifyDomain,
  type Actor,
  type AuthenticatedActor,
  type Role,
} from "../src";
import { recheckDomains } from "../src/domains/recheck";
import { database, inviteShown, useIsolatedDatabases } from "../src/testing";
import { useTestDnsServer } from "./support/test-dns";

/**
 * Verified email domains and joining by domain, attacked first: claims of what nobody may own
 * (public suffixes, addresses, malformed names), verification against a DNS server of the test's
 * (real lookups through node:dns), two organizations racing for one domain, the daily re-check
 * losing a domain only to missing records (never to DNS failing), deletion freeing domains, and
 * who may join what: only verified addresses, only the exact domain, never twice.
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
const dns = useTestDnsServer();
afterAll(() => databases.drop());

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;
const newDomain = () => `d${unique()}.example`;
const recordName = (domain: string) => `_org-service-verification.${domain}`;
const touched = new Set<string>();
afterEach(() => {
  for (const name of touched) dns().clear(name);
  touched.clear();
});

/**
 * Where DNS never answers: a short limit, so that waiting for it costs little. Only there: the
 * lookups that are answered keep the default, which a busy machine never comes near.
 */
async function withShortDnsTimeout<T>(run: () => Promise<T>): Promise<T> {
  process.env.DNS_TIMEOUT_MILLISECONDS = "200";
  resetConfig();
  try {
    return await run();
  } finally {
    delete process.env.DNS_TIMEOUT_MILLISECONDS;
    resetConfig();
  }
}

/** Publish `values` at the domain's verification record. */
function publish(domain: string, ...values: string[]): void {
  touched.add(recordName(domain));
  dns().setTxt(recordName(domain), values);
}

function actorOf(userId: string, organizationId: string, role: Role, email: string): AuthenticatedActor {
  return { userId, organizationId, role, email, sessionId: new ObjectId().toHexString() };
}

async function organizationWithOwner(email = `owner.${unique()}@owners.example`) {
  const name = `Domains ${unique()}`;
  const organization = await createOrganization({ organizationName: name, email, password: PASSWORD });
  return { organization, name, owner: actorOf(organization.adminId, organization.id, "owner", email) };
}

async function addMember(inviter: Actor, role: Role) {
  const email = `${role}.${unique()}@members.example`;
  const { token } = await inviteShown(inviter, { email, role });
  const session = await acceptInvitation({ token, password: PASSWORD });
  return actorOf(session.userId, inviter.organizationId, role, email);
}

/**
 * A user whose email, in `domain`, is verified (or not), signed in to an organization of theirs:
 * written directly, as sign-up and the mailed link would leave it (both are tested elsewhere), for
 * speed.
 */
async function userIn(domain: string, verified = true): Promise<AuthenticatedActor> {
  const db = await database();
  const email = `user.${unique()}@${domain}`;
  const now = new Date();
  const userId = new ObjectId();
  await db.users.insertOne({
    _id: userId,
    email,
    email_verified: verified,
    password_hash: "not used",
    credentials_version: 1,
    created_at: now,
    updated_at: now,
  });
  return actorOf(userId.toHexString(), new ObjectId().toHexString(), "owner", email);
}

/** An organization holding a newly verified domain, in `mode`. */
async function organizationHolding(mode: "off" | "auto-join" | "suggest" = "off") {
  const setup = await organizationWithOwner();
  const domain = newDomain();
  const claim = await claimDomain(setup.owner, { domain });
  publish(domain, claim.record.value);
  await verifyDomain(setup.owner, domain);
  if (mode !== "off") await setDomainJoinMode(setup.owner, domain, { joinMode: mode });
  return { ...setup, domain, token: claim.record.value };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "allowed",
    (error: unknown) => error,
  );

describe("what may be claimed", () => {
  let claimant: Actor | undefined;
  it.each([
    ["a public suffix", "co.uk"],
    ["a top-level domain", "com"],
    ["a public suffix of the private section", "github.io"],
    ["a wildcard public suffix", "anything.ck"],
    ["an IPv4 address", "127.0.0.1"],
    ["an IPv4 address the URL parser would rewrite", "1.2.3"],
    ["a hexadecimal IPv4 address", "0x7f.1"],
    ["an IPv6 literal", "[::1]"],
    ["a bare IPv6 address", "::1"],
    ["a single label", "localhost"],
    ["nothing", ""],
    ["spaces", "exa mple.com"],
    ["a path, which the host parser would cut off", "evil.example/good.example"],
    ["a percent escape, which the host parser would decode", "ex%61mple.com"],
    ["credentials", "user@example.com"],
    ["a port", "example.com:443"],
    ["a URL", "https://example.com"],
    ["an underscore label", "_dmarc.example.com"],
    ["a leading hyphen", "-acme.example"],
    ["an empty label", "acme..example"],
    ["a control character", "acme\u0000.example"],
    [
      "a name whose verification record's name would be over 253 characters (240)",
      `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(50)}.example`,
    ],
    [
      "a name over 253 characters",
      `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.example`,
    ],
  ])("%s (%j) is refused with a 422 and nothing is written", async (_what, domain) => {
    claimant ??= (await organizationWithOwner()).owner;
    const owner = claimant;
    const before = await listDomains(owner);
    const outcome = await refusal(claimDomain(owner, { domain }));
    expect(outcome).toBeInstanceOf(ValidationError);
    expect((outcome as ValidationError).issues[0]?.path).toBe("domain");
    expect(await listDomains(owner)).toEqual(before);
  });

  it("a name is stored lower-case, in ASCII (IDNA), without its trailing dot", async () => {
    expect(normalizeDomain("Bücher.Example.")).toBe("xn--bcher-kva.example");
    expect(normalizeDomain("  ACME.example ")).toBe("acme.example");
    expect(normalizeDomain("eng.acme.co.uk")).toBe("eng.acme.co.uk");
    expect(emailDomain("Ana@Bücher.Example")).toBe("xn--bcher-kva.example");
    expect(emailDomain("ana@ACME.example")).toBe("acme.example");
    const { owner } = await organizationWithOwner();
    const claim = await claimDomain(owner, { domain: `Bücher-${unique()}.Example` });
    expect(claim.domain).toMatch(/^xn--bcher-[a-z0-9-]+\.example$/);
  });

  it("a claim is pending, with a record of its own to publish; claiming it twice is a 409", async () => {
    const { owner } = await organizationWithOwner();
    const domain = newDomain();
    const claim = await claimDomain(owner, { domain });
    expect(claim).toMatchObject({
      domain,
      state: "pending",
      joinMode: "off",
      checkFailures: 0,
      record: { type: "TXT", name: `_org-service-verification.${domain}` },
    });
    expect(claim.record.value).toMatch(/^org-service-verification=[\w-]{43}$/);
    expect(await refusal(claimDomain(owner, { domain: domain.toUpperCase() }))).toBeInstanceOf(ConflictError);
    // Another organization's claim of the same domain gets another value: a record published for one proves nothing for the other.
    const other = await organizationWithOwner();
    const theirs = await claimDomain(other.owner, { domain });
    expect(theirs.record.value).not.toBe(claim.record.value);
    expect(await listDomains(owner)).toEqual([claim]);
  });

  it(`an organization may claim ${MAX_DOMAIN_CLAIMS} domains, and no more, even all at once`, async () => {
    const { owner, organization } = await organizationWithOwner();
    const db = await database();
    await db.domainClaims.insertMany(
      Array.from({ length: MAX_DOMAIN_CLAIMS - 2 }, () => ({
        _id: new ObjectId(),
        organization_id: new ObjectId(organization.id),
        domain: newDomain(),
        token: "org-service-verification=seeded",
        join_mode: "off" as const,
        created_at: new Date(),
      })),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => claimDomain(owner, { domain: newDomain() })),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(2);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(ConflictError);
    }
    expect(await listDomains(owner)).toHaveLength(MAX_DOMAIN_CLAIMS);
    expect(await refusal(claimDomain(owner, { domain: newDomain() }))).toBeInstanceOf(ConflictError);
  });
});

describe("DNS_SERVERS", () => {
  it("takes IP addresses with optional ports, and refuses names (node:dns would)", () => {
    expect(parseConfig({ DNS_SERVERS: "127.0.0.1:5353, [::1]:53,9.9.9.9,::1" }).dns).toEqual({
      servers: ["127.0.0.1:5353", "[::1]:53", "9.9.9.9", "::1"],
      timeoutMs: 3_000,
    });
    expect(parseConfig({}).dns.servers).toBeUndefined();
    for (const wrong of ["resolver.example", "127.0.0.1:99999", "127.0.0.1,", "[::1]:x"]) {
      expect(() => parseConfig({ DNS_SERVERS: wrong }), wrong).toThrow(ConfigurationError);
    }
  });
});

describe("verification by DNS", () => {
  it("with no record, a 422 names the record to publish; with another value, too; with the claim's, verified", async () => {
    const { owner, organization } = await organizationWithOwner();
    const domain = newDomain();
    const claim = await claimDomain(owner, { domain });

    const missing = await refusal(verifyDomain(owner, domain));
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).extensions).toEqual({
      record: { type: "TXT", name: recordName(domain), value: claim.record.value },
    });
    expect((missing as ValidationError).message).toContain(claim.record.value);

    publish(domain, "v=spf1 -all", `${claim.record.value}x`);
    expect(await refusal(verifyDomain(owner, domain))).toBeInstanceOf(ValidationError);
    // The name exists with no TXT record at all (NODATA).
    publish(domain);
    expect(await refusal(verifyDomain(owner, domain))).toBeInstanceOf(ValidationError);
    const [pending] = await listDomains(owner);
    expect(pending).toMatchObject({ state: "pending", lastCheckedAt: expect.any(Date) });
    expect(await verifiedDomainOwner(await database(), domain)).toBeNull();

    publish(domain, "v=spf1 -all", claim.record.value);
    const verified = await verifyDomain(owner, domain);
    expect(verified).toMatchObject({ state: "verified", verifiedAt: expect.any(Date), checkFailures: 0 });
    expect(dns().queries).toContain(`${recordName(domain)} TXT`);
    const db = await database();
    expect(await verifiedDomainOwner(db, domain)).toEqual(new ObjectId(organization.id));
    expect(await verifiedDomainsOf(db, new ObjectId(organization.id))).toEqual([domain]);
    expect((await listDomains(owner))[0]).toMatchObject({ state: "verified" });
    // Again: answered as it is.
    expect(await verifyDomain(owner, domain)).toMatchObject({ state: "verified" });
    const { entries } = await listAudit(owner);
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(["domain.claimed", "domain.verified"]));
  });

  it("DNS failing to answer (SERVFAIL, REFUSED, a timeout) is a 503 that decides nothing", async () => {
    const { owner } = await organizationWithOwner();
    const domain = newDomain();
    const claim = await claimDomain(owner, { domain });
    publish(domain, claim.record.value);
    for (const fault of ["servfail", "refused", "silent"] as const) {
      dns().fail(recordName(domain), fault);
      const started = Date.now();
      const outcome = await withShortDnsTimeout(() => refusal(verifyDomain(owner, domain)));
      expect(outcome, fault).toBeInstanceOf(UpstreamUnavailableError);
      expect((outcome as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    expect((await listDomains(owner))[0]).toMatchObject({ state: "pending" });
    expect(await verifiedDomainOwner(await database(), domain)).toBeNull();
  });

  it("a domain not claimed is a 404; a malformed one in the path a 422", async () => {
    const { owner } = await organizationWithOwner();
    expect(await refusal(verifyDomain(owner, newDomain()))).toBeInstanceOf(NotFoundError);
    expect(await refusal(verifyDomain(owner, "co.uk"))).toBeInstanceOf(ValidationError);
    expect(await refusal(releaseDomain(owner, newDomain()))).toBeInstanceOf(NotFoundError);
    expect(await refusal(setDomainJoinMode(owner, newDomain(), { joinMode: "suggest" }))).toBeInstanceOf(NotFoundError);
    const domain = newDomain();
    await claimDomain(owner, { domain });
    expect(await refusal(setDomainJoinMode(owner, domain, { joinMode: "everyone" as never }))).toBeInstanceOf(
      ValidationError,
    );
  });

  it("two organizations verifying one domain at once: exactly one holds it, the other gets 409", async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([organizationWithOwner(), organizationWithOwner()]);
      const domain = newDomain();
      const claims = await Promise.all([claimDomain(a.owner, { domain }), claimDomain(b.owner, { domain })]);
      publish(domain, ...claims.map((claim) => claim.record.value));
      const outcomes = await Promise.allSettled([verifyDomain(a.owner, domain), verifyDomain(b.owner, domain)]);
      const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
      const lost = outcomes.filter((outcome) => outcome.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost.map((outcome) => outcome.reason)).toEqual([expect.any(ConflictError)]);
      const winner = outcomes[0]!.status === "fulfilled" ? a : b;
      const loser = winner === a ? b : a;
      const db = await database();
      expect(await verifiedDomainOwner(db, domain)).toEqual(new ObjectId(winner.organization.id));
      expect(await db.verifiedDomains.countDocuments({ _id: domain })).toBe(1);
      expect((await listDomains(loser.owner))[0]).toMatchObject({ state: "pending" });
      // While the winner holds it, the loser's verification stays a 409.
      expect(await refusal(verifyDomain(loser.owner, domain))).toBeInstanceOf(ConflictError);
    }
  });

  it("releasing frees the domain for another organization; releasing a claim never frees another's domain", async () => {
    const holder = await organizationHolding();
    const other = await organizationWithOwner();
    const theirs = await claimDomain(other.owner, { domain: holder.domain });
    publish(holder.domain, holder.token, theirs.record.value);
    expect(await refusal(verifyDomain(other.owner, holder.domain))).toBeInstanceOf(ConflictError);
    // The other organization releases its own (pending) claim: the holder keeps the domain.
    await releaseDomain(other.owner, holder.domain);
    const db = await database();
    expect(await verifiedDomainOwner(db, holder.domain)).toEqual(new ObjectId(holder.organization.id));

    const again = await claimDomain(other.owner, { domain: holder.domain });
    publish(holder.domain, holder.token, again.record.value);
    expect(await releaseDomain(holder.owner, holder.domain)).toEqual({ released: true, domain: holder.domain });
    expect(await verifiedDomainOwner(db, holder.domain)).toBeNull();
    expect(await listDomains(holder.owner)).toEqual([]);
    expect(await verifyDomain(other.owner, holder.domain)).toMatchObject({ state: "verified" });
    expect(await verifiedDomainOwner(db, holder.domain)).toEqual(new ObjectId(other.organization.id));
    expect((await listAudit(holder.owner)).entries.map((entry) => entry.action)).toContain("domain.released");
  });

  it("deleting an organization deletes its claims, its domains and its join requests, and frees the domains", async () => {
    const holder = await organizationHolding("suggest");
    const pendingDomain = newDomain();
    await claimDomain(holder.owner, { domain: pendingDomain });
    const user = await userIn(holder.domain);
    await joinOrganization(user, holder.organization.id);
    const db = await database();
    const organizationId = new ObjectId(holder.organization.id);
    expect(await db.joinRequests.countDocuments({ organization_id: organizationId })).toBe(1);

    await deleteOrganization(holder.owner, holder.name);
    expect(await db.domainClaims.countDocuments({ organization_id: organizationId })).toBe(0);
    expect(await db.verifiedDomains.countDocuments({ organization_id: organizationId })).toBe(0);
    expect(await db.joinRequests.countDocuments({ organization_id: organizationId })).toBe(0);
    expect(await listJoinableOrganizations(user)).toEqual([]);
    const next = await organizationWithOwner();
    const claim = await claimDomain(next.owner, { domain: holder.domain });
    publish(holder.domain, claim.record.value);
    expect(await verifyDomain(next.owner, holder.domain)).toMatchObject({ state: "verified" });
  });
});

describe("the scheduled re-check", () => {
  const HOUR = 3_600_000;
  const dayAfter = (base: Date, days: number) => new Date(base.getTime() + days * 25 * HOUR);
  const stateOf = async (owner: Actor) => (await listDomains(owner))[0]!;

  it("unverifies a domain whose record is missing at three re-checks in a row, not at DNS failures, not before a day", async () => {
    const db = await database();
    // Every claim due, however many earlier tests verified: this one is the newest, so the last in line.
    const run = (now: Date) => recheckDomains(db, { now, cutoff: new Date(), limit: 10_000 });
    const holder = await organizationHolding("auto-join");
    const start = new Date();
    dns().clear(recordName(holder.domain));

    // Not due yet: checked just now.
    await run(new Date(start.getTime() + HOUR));
    expect(await stateOf(holder.owner)).toMatchObject({ state: "verified", checkFailures: 0 });
    // A day later: missing once (NXDOMAIN).
    await run(dayAfter(start, 1));
    expect(await stateOf(holder.owner)).toMatchObject({ state: "verified", checkFailures: 1 });
    // DNS failing to answer counts for nothing, whichever way it fails.
    dns().fail(recordName(holder.domain), "servfail");
    touched.add(recordName(holder.domain));
    await run(dayAfter(start, 2));
    dns().fail(recordName(holder.domain), "silent");
    await withShortDnsTimeout(() => run(dayAfter(start, 3)));
    expect(await stateOf(holder.owner)).toMatchObject({ state: "verified", checkFailures: 1 });
    // The record back: the count starts over.
    publish(holder.domain, holder.token);
    await run(dayAfter(start, 4));
    expect(await stateOf(holder.owner)).toMatchObject({ state: "verified", checkFailures: 0 });
    // Missing three times in a row (NODATA, another value, NXDOMAIN): unverified at the third.
    publish(holder.domain);
    await run(dayAfter(start, 5));
    publish(holder.domain, "org-service-verification=someone-else");
    await run(dayAfter(start, 6));
    expect(await stateOf(holder.owner)).toMatchObject({ state: "verified", checkFailures: 2 });
    expect(await verifiedDomainOwner(db, holder.domain)).toEqual(new ObjectId(holder.organization.id));
    dns().clear(recordName(holder.domain));
    // Through the reconciler itself, with its clock moved on.
    const report = await reconcile({ graceSeconds: 0, now: dayAfter(start, 7) });
    expect(report.domainsUnverified).toBeGreaterThanOrEqual(1);
    expect(await stateOf(holder.owner)).toMatchObject({ state: "pending", checkFailures: 3 });
    expect((await stateOf(holder.owner)).verifiedAt).toBeUndefined();
    expect(await verifiedDomainOwner(db, holder.domain)).toBeNull();
    expect((await db.domainClaims.findOne({ domain: holder.domain }))?.verified_at).toBeUndefined();
    const audit = await listAudit(holder.owner);
    expect(audit.entries.find((entry) => entry.action === "domain.unverified")).toMatchObject({
      details: { domain: holder.domain, reason: "record_missing" },
    });
    // Nobody joins by it any more.
    expect(await listJoinableOrganizations(await userIn(holder.domain))).toEqual([]);
  });

  it("mends claims and rows a crash left disagreeing", async () => {
    const db = await database();
    const holder = await organizationHolding();
    const organizationId = new ObjectId(holder.organization.id);
    const claim = await db.domainClaims.findOne({ organization_id: organizationId, domain: holder.domain });
    // A verification that died between its two writes: the row without the claim's mark.
    await db.domainClaims.updateOne({ _id: claim!._id }, { $unset: { verified_at: "" } });
    // A release that died between its two writes: a claim marked verified whose row is gone.
    const released = await organizationHolding();
    await db.verifiedDomains.deleteOne({ _id: released.domain });
    // A verification that raced its organization's deletion: a row whose claim is gone.
    const orphan = newDomain();
    await db.verifiedDomains.insertOne({
      _id: orphan,
      organization_id: new ObjectId(),
      claim_id: new ObjectId(),
      verified_at: new Date(Date.now() - 1000),
    });
    const report = await recheckDomains(db, { now: new Date(), cutoff: new Date(Date.now() + 1000) });
    expect(report.domainMirrorsMended).toBeGreaterThanOrEqual(3);
    expect((await db.domainClaims.findOne({ _id: claim!._id }))?.verified_at).toEqual(expect.any(Date));
    expect((await db.domainClaims.findOne({ domain: released.domain }))?.verified_at).toBeUndefined();
    expect(await db.verifiedDomains.findOne({ _id: orphan })).toBeNull();
    // Younger than the grace period, nothing is touched: a live request may be between its writes.
    await db.domainClaims.updateOne({ _id: claim!._id }, { $unset: { verified_at: "" } });
    await recheckDomains(db, { now: new Date(), cutoff: new Date(Date.now() - 60_000) });
    expect((await db.domainClaims.findOne({ _id: claim!._id }))?.verified_at).toBeUndefined();
  });
});

describe("joining by domain", () => {
  it("only a verified address in exactly the domain sees the organization, and not once a member", async () => {
    const holder = await organizationHolding("auto-join");
    expect(await listJoinableOrganizations(await userIn(holder.domain, false))).toEqual([]);
    expect(await listJoinableOrganizations(await userIn(newDomain()))).toEqual([]);
    expect(await listJoinableOrganizations(await userIn(`eng.${holder.domain}`))).toEqual([]);
    const user = await userIn(holder.domain);
    expect(await listJoinableOrganizations(user)).toEqual([
      {
        organizationId: holder.organization.id,
        organizationName: holder.name,
        joinMode: "auto-join",
        domain: holder.domain,
      },
    ]);
    await joinOrganization(user, holder.organization.id);
    expect(await listJoinableOrganizations(user)).toEqual([]);
  });

  it("a domain off, or only claimed, lets nobody join", async () => {
    const off = await organizationHolding("off");
    expect(await listJoinableOrganizations(await userIn(off.domain))).toEqual([]);
    const pending = await organizationWithOwner();
    const domain = newDomain();
    await claimDomain(pending.owner, { domain });
    await setDomainJoinMode(pending.owner, domain, { joinMode: "auto-join" });
    const user = await userIn(domain);
    expect(await listJoinableOrganizations(user)).toEqual([]);
    expect(await refusal(joinOrganization(user, pending.organization.id))).toBeInstanceOf(NotFoundError);
  });

  it("auto-join: the user becomes a member, audited and announced; joining again is a 409", async () => {
    const holder = await organizationHolding("auto-join");
    const user = await userIn(holder.domain);
    const joined = await joinOrganization(user, holder.organization.id);
    expect(joined).toEqual({
      outcome: "joined",
      membership: {
        organizationId: holder.organization.id,
        organizationName: holder.name,
        userId: user.userId,
        role: "member",
        joinedAt: expect.any(Date),
      },
    });
    const db = await database();
    const membership = await db.memberships.findOne({ _id: `${holder.organization.id}:${user.userId}` });
    expect(membership).toMatchObject({ role: "member", email: user.email });
    expect(await refusal(joinOrganization(user, holder.organization.id))).toBeInstanceOf(ConflictError);
    const audit = await listAudit(holder.owner);
    expect(audit.entries.find((entry) => entry.action === "member.joined_by_domain")).toMatchObject({
      userId: user.userId,
      details: { domain: holder.domain, role: "member" },
    });
    const events = await db.events
      .find({ organization_id: new ObjectId(holder.organization.id), type: "member.added" })
      .toArray();
    expect(events.map((event) => event.data)).toContainEqual(
      expect.objectContaining({ user_id: user.userId, via: "domain", domain: holder.domain }),
    );
  });

  it("joining refuses an unverified address (403) and any organization not joinable, existing or not, alike (404)", async () => {
    const holder = await organizationHolding("auto-join");
    const unverified = await userIn(holder.domain, false);
    expect(await refusal(joinOrganization(unverified, holder.organization.id))).toBeInstanceOf(EmailNotVerifiedError);
    const stranger = await userIn(newDomain());
    const existing = await refusal(joinOrganization(stranger, holder.organization.id));
    const unknown = await refusal(joinOrganization(stranger, new ObjectId().toHexString()));
    const malformed = await refusal(joinOrganization(stranger, "not-an-id"));
    for (const outcome of [existing, unknown, malformed]) expect(outcome).toBeInstanceOf(NotFoundError);
    expect((existing as Error).message).toBe((unknown as Error).message);
    const db = await database();
    expect(await db.memberships.findOne({ _id: `${holder.organization.id}:${stranger.userId}` })).toBeNull();
  });

  it("suggest: the request waits; asking again is the same request; approved, the user is a member", async () => {
    const holder = await organizationHolding("suggest");
    const admin = await addMember(holder.owner, "admin");
    const user = await userIn(holder.domain);
    const asked = await joinOrganization(user, holder.organization.id);
    expect(asked).toMatchObject({ outcome: "requested", request: { state: "pending", requestId: user.userId } });
    expect(await joinOrganization(user, holder.organization.id)).toEqual(asked);
    expect(await listJoinableOrganizations(user)).toEqual([
      expect.objectContaining({ joinMode: "suggest", requestState: "pending" }),
    ]);
    const page = await listJoinRequests(admin);
    expect(page.requests).toEqual([
      expect.objectContaining({ requestId: user.userId, email: user.email, domain: holder.domain, state: "pending" }),
    ]);
    const db = await database();
    expect(await db.memberships.findOne({ _id: `${holder.organization.id}:${user.userId}` })).toBeNull();

    const approved = await approveJoinRequest(admin, user.userId);
    expect(approved).toMatchObject({ request: { state: "approved" }, membership: { role: "member" } });
    expect(await db.memberships.findOne({ _id: `${holder.organization.id}:${user.userId}` })).toMatchObject({
      role: "member",
    });
    expect(await refusal(approveJoinRequest(admin, user.userId))).toBeInstanceOf(ConflictError);
    expect(await listJoinableOrganizations(user)).toEqual([]);
    expect((await listJoinRequests(admin)).requests).toEqual([]);
    expect((await listJoinRequests(admin, { state: "approved" })).requests).toHaveLength(1);
    expect((await listAudit(holder.owner)).entries.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["join_request.created", "join_request.approved"]),
    );
  });

  it("declined, a request stays declined: the user cannot ask again", async () => {
    const holder = await organizationHolding("suggest");
    const user = await userIn(holder.domain);
    await joinOrganization(user, holder.organization.id);
    expect(await declineJoinRequest(holder.owner, user.userId)).toMatchObject({ state: "declined" });
    expect(await refusal(approveJoinRequest(holder.owner, user.userId))).toBeInstanceOf(ConflictError);
    expect(await refusal(joinOrganization(user, holder.organization.id))).toBeInstanceOf(ConflictError);
    expect(await listJoinableOrganizations(user)).toEqual([expect.objectContaining({ requestState: "declined" })]);
    const db = await database();
    expect(await db.memberships.findOne({ _id: `${holder.organization.id}:${user.userId}` })).toBeNull();
  });

  it("two approvals at once (and an approval racing a decline) leave one decision and at most one membership", async () => {
    for (let round = 0; round < 3; round++) {
      const holder = await organizationHolding("suggest");
      const admin = await addMember(holder.owner, "admin");
      const user = await userIn(holder.domain);
      await joinOrganization(user, holder.organization.id);
      const decisions =
        round === 2
          ? [approveJoinRequest(holder.owner, user.userId), declineJoinRequest(admin, user.userId)]
          : [approveJoinRequest(holder.owner, user.userId), approveJoinRequest(admin, user.userId)];
      const outcomes = await Promise.allSettled(decisions);
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      const rejected = outcomes.find((outcome) => outcome.status === "rejected");
      expect(rejected?.status === "rejected" && rejected.reason).toBeInstanceOf(ConflictError);
      const db = await database();
      const memberships = await db.memberships.countDocuments({ _id: `${holder.organization.id}:${user.userId}` });
      const request = await db.joinRequests.findOne({ _id: `${holder.organization.id}:${user.userId}` });
      expect(memberships).toBe(request?.state === "approved" ? 1 : 0);
      expect(request?.state).not.toBe("pending");
    }
  });

  it("a request can no longer be approved once the domain leaves suggest mode, or the organization lets it go", async () => {
    const holder = await organizationHolding("suggest");
    const first = await userIn(holder.domain);
    const second = await userIn(holder.domain);
    await joinOrganization(first, holder.organization.id);
    await joinOrganization(second, holder.organization.id);
    await setDomainJoinMode(holder.owner, holder.domain, { joinMode: "off" });
    expect(await refusal(approveJoinRequest(holder.owner, first.userId))).toBeInstanceOf(ConflictError);
    await setDomainJoinMode(holder.owner, holder.domain, { joinMode: "suggest" });
    await releaseDomain(holder.owner, holder.domain);
    expect(await refusal(approveJoinRequest(holder.owner, second.userId))).toBeInstanceOf(ConflictError);
    const db = await database();
    expect(await db.memberships.countDocuments({ organization_id: new ObjectId(holder.organization.id) })).toBe(1);
    // Still pending, to be declined.
    expect(await declineJoinRequest(holder.owner, second.userId)).toMatchObject({ state: "declined" });
  });

  it("join requests are listed a page at a time", async () => {
    const holder = await organizationHolding("suggest");
    const users = [];
    for (let n = 0; n < 3; n++) users.push(await userIn(holder.domain));
    for (const user of users) await joinOrganization(user, holder.organization.id);
    const first = await listJoinRequests(holder.owner, { limit: 2 });
    expect(first.requests).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = await listJoinRequests(holder.owner, { limit: 2, cursor: first.nextCursor! });
    expect(second.requests).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.requests, ...second.requests].map((request) => request.userId).sort()).toEqual(
      users.map((user) => user.userId).sort(),
    );
    expect(await refusal(listJoinRequests(holder.owner, { cursor: "nope" }))).toBeInstanceOf(ValidationError);
  });
});

describe("who may", () => {
  it("a member may neither manage domains nor decide requests; an admin may both", async () => {
    const holder = await organizationHolding("suggest");
    const member = await addMember(holder.owner, "member");
    const admin = await addMember(holder.owner, "admin");
    const user = await userIn(holder.domain);
    await joinOrganization(user, holder.organization.id);
    for (const attempt of [
      listDomains(member),
      claimDomain(member, { domain: newDomain() }),
      verifyDomain(member, holder.domain),
      setDomainJoinMode(member, holder.domain, { joinMode: "auto-join" }),
      releaseDomain(member, holder.domain),
      listJoinRequests(member),
      approveJoinRequest(member, user.userId),
      declineJoinRequest(member, user.userId),
    ]) {
      expect(await refusal(attempt)).toBeInstanceOf(ForbiddenError);
    }
    // A token narrowed to other scopes is refused too.
    const narrowed = { ...holder.owner, scopes: ["org:read" as const] };
    expect(await refusal(listDomains(narrowed))).toBeInstanceOf(ForbiddenError);
    const domain = newDomain();
    const claim = await claimDomain(admin, { domain });
    publish(domain, claim.record.value);
    expect(await verifyDomain(admin, domain)).toMatchObject({ state: "verified" });
    expect(await setDomainJoinMode(admin, domain, { joinMode: "auto-join" })).toMatchObject({
      joinMode: "auto-join",
    });
    expect((await listJoinRequests(admin)).requests).toHaveLength(1);
    expect(await releaseDomain(admin, domain)).toMatchObject({ released: true });
  });
});
