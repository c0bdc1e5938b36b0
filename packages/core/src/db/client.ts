import { MongoClient, type Collection, type Db } from "mongodb";
import { config } from "../config";
import { ConfigurationError } from "../errors";
import { once } from "../once";
import type {
  AccountTokenDocument,
  ClientDocument,
  OrganizationSearchDocument,
  ClientSecretDocument,
  ClientSecretUseDocument,
  EventDocument,
  EventHeadDocument,
  EventIntentDocument,
  WebhookAttemptDocument,
  ExportDocument,
  ExportLockDocument,
  ExportOutcomeDocument,
  DomainClaimDocument,
  VerifiedDomainDocument,
  JoinRequestDocument,
  SsoConnectionDocument,
  SsoHandoffDocument,
  SsoLoginDocument,
  WebhookDocument,
  WebhookHealthDocument,
  WebhookMessageDocument,
  AuditDocument,
  InvitationClaimDocument,
  InvitationDocument,
  LegacyAdminDocument,
  LockDocument,
  LoginFailureDocument,
  MembershipDocument,
  MfaChallengeDocument,
  MfaEnrollmentDocument,
  MfaFactorDocument,
  OrganizationDocument,
  RefreshTokenDocument,
  RefreshTokenUseDocument,
  SessionDocument,
  UsedOnceDocument,
  UserDocument,
} from "./documents";
// Run on connect. They, and what they use, name the collections they touch rather than `Database`,
// so none imports this module back.
import { migrateLegacyAdmins } from "./migrate-legacy-admins";
import { migrateEmailVerified } from "./migrate-email-verified";
import { placeUnplacedOrganizations } from "./migrate-placement";
import { addSearchEntries } from "./migrate-search-prefixes";
import { isNotImplementedError } from "./mongo-errors";

/**
 * One MongoClient per container, created on first use and reused by every later invocation: a
 * Lambda container handles one request at a time, so a small pool is enough, and a short
 * server-selection timeout turns an unreachable database into a quick 503 instead of a Lambda
 * timeout.
 */
export const CLIENT_OPTIONS = {
  maxPoolSize: 4,
  minPoolSize: 0,
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
  socketTimeoutMS: 20_000,
  // Frozen containers keep sockets that the server may have dropped; recycle idle ones.
  maxIdleTimeMS: 60_000,
  appName: "org-service",
} as const;

/** Options written in the connection string win: the operator tuned them on purpose. */
export function clientOptionsFor(uri: string): Partial<typeof CLIENT_OPTIONS> {
  const query = uri.split("?")[1] ?? "";
  const given = new Set([...new URLSearchParams(query).keys()].map((key) => key.toLowerCase()));
  return Object.fromEntries(Object.entries(CLIENT_OPTIONS).filter(([key]) => !given.has(key.toLowerCase())));
}

export interface Database {
  readonly client: MongoClient;
  readonly master: Db;
  /**
   * MONGODB_TENANT_DB on the master's deployment: the default cell's pool database, where every
   * tenant lived before cells. The service reaches tenant collections through their placement
   * (cells/placement.ts), never through this; tests and tools use it to inspect the default cell.
   */
  readonly tenants: Db;
  readonly organizations: Collection<OrganizationDocument>;
  readonly users: Collection<UserDocument>;
  readonly memberships: Collection<MembershipDocument>;
  readonly invitations: Collection<InvitationDocument>;
  readonly invitationClaims: Collection<InvitationClaimDocument>;
  /** Written by versions before users and memberships; emptied by the migration on connect. */
  readonly legacyAdmins: Collection<LegacyAdminDocument>;
  readonly locks: Collection<LockDocument>;
  readonly loginFailures: Collection<LoginFailureDocument>;
  readonly audit: Collection<AuditDocument>;
  readonly sessions: Collection<SessionDocument>;
  readonly refreshTokens: Collection<RefreshTokenDocument>;
  readonly refreshTokenUses: Collection<RefreshTokenUseDocument>;
  readonly mfaEnrollments: Collection<MfaEnrollmentDocument>;
  readonly mfaFactors: Collection<MfaFactorDocument>;
  readonly mfaChallenges: Collection<MfaChallengeDocument>;
  readonly usedOnce: Collection<UsedOnceDocument>;
  readonly accountTokens: Collection<AccountTokenDocument>;
  readonly organizationSearch: Collection<OrganizationSearchDocument>;
  readonly clients: Collection<ClientDocument>;
  readonly clientSecrets: Collection<ClientSecretDocument>;
  readonly clientSecretUses: Collection<ClientSecretUseDocument>;
  readonly eventIntents: Collection<EventIntentDocument>;
  readonly events: Collection<EventDocument>;
  readonly eventHeads: Collection<EventHeadDocument>;
  readonly webhooks: Collection<WebhookDocument>;
  readonly webhookHealth: Collection<WebhookHealthDocument>;
  readonly webhookMessages: Collection<WebhookMessageDocument>;
  readonly webhookAttempts: Collection<WebhookAttemptDocument>;
  readonly exports: Collection<ExportDocument>;
  readonly exportLocks: Collection<ExportLockDocument>;
  readonly exportOutcomes: Collection<ExportOutcomeDocument>;
  readonly domainClaims: Collection<DomainClaimDocument>;
  readonly verifiedDomains: Collection<VerifiedDomainDocument>;
  readonly joinRequests: Collection<JoinRequestDocument>;
  readonly ssoConnections: Collection<SsoConnectionDocument>;
  readonly ssoLogins: Collection<SsoLoginDocument>;
  readonly ssoHandoffs: Collection<SsoHandoffDocument>;
}

const connection = once(connect);

export function database(): Promise<Database> {
  return connection.get();
}

async function connect(): Promise<Database> {
  const { mongodbUri, masterDbName, tenantDbName } = config();
  if (!mongodbUri) throw new ConfigurationError("MONGODB_URI is not set");
  const client = new MongoClient(mongodbUri, clientOptionsFor(mongodbUri));
  try {
    await client.connect();
    const master = client.db(masterDbName);
    const db: Database = {
      client,
      master,
      tenants: client.db(tenantDbName),
      organizations: master.collection<OrganizationDocument>("organizations"),
      users: master.collection<UserDocument>("users"),
      memberships: master.collection<MembershipDocument>("memberships"),
      invitations: master.collection<InvitationDocument>("invitations"),
      invitationClaims: master.collection<InvitationClaimDocument>("invitation_claims"),
      legacyAdmins: master.collection<LegacyAdminDocument>("admins"),
      locks: master.collection<LockDocument>("organization_locks"),
      loginFailures: master.collection<LoginFailureDocument>("login_failures"),
      audit: master.collection<AuditDocument>("audit_log"),
      sessions: master.collection<SessionDocument>("sessions"),
      refreshTokens: master.collection<RefreshTokenDocument>("refresh_tokens"),
      refreshTokenUses: master.collection<RefreshTokenUseDocument>("refresh_token_uses"),
      mfaEnrollments: master.collection<MfaEnrollmentDocument>("mfa_enrollments"),
      mfaFactors: master.collection<MfaFactorDocument>("mfa_factors"),
      mfaChallenges: master.collection<MfaChallengeDocument>("mfa_challenges"),
      usedOnce: master.collection<UsedOnceDocument>("used_once"),
      accountTokens: master.collection<AccountTokenDocument>("account_tokens"),
      organizationSearch: master.collection<OrganizationSearchDocument>("organization_search"),
      clients: master.collection<ClientDocument>("clients"),
      clientSecrets: master.collection<ClientSecretDocument>("client_secrets"),
      clientSecretUses: master.collection<ClientSecretUseDocument>("client_secret_uses"),
      eventIntents: master.collection<EventIntentDocument>("event_intents"),
      events: master.collection<EventDocument>("events"),
      eventHeads: master.collection<EventHeadDocument>("event_heads"),
      webhooks: master.collection<WebhookDocument>("webhooks"),
      webhookHealth: master.collection<WebhookHealthDocument>("webhook_health"),
      webhookMessages: master.collection<WebhookMessageDocument>("webhook_messages"),
      webhookAttempts: master.collection<WebhookAttemptDocument>("webhook_attempts"),
      exports: master.collection<ExportDocument>("exports"),
      exportLocks: master.collection<ExportLockDocument>("export_locks"),
      exportOutcomes: master.collection<ExportOutcomeDocument>("export_outcomes"),
      domainClaims: master.collection<DomainClaimDocument>("domain_claims"),
      verifiedDomains: master.collection<VerifiedDomainDocument>("verified_domains"),
      joinRequests: master.collection<JoinRequestDocument>("join_requests"),
      ssoConnections: master.collection<SsoConnectionDocument>("sso_connections"),
      ssoLogins: master.collection<SsoLoginDocument>("sso_logins"),
      ssoHandoffs: master.collection<SsoHandoffDocument>("sso_handoffs"),
    };
    await ensureIndexes(db);
    await migrateLegacyAdmins(db);
    await placeUnplacedOrganizations(db);
    await addSearchEntries(db);
    await migrateEmailVerified(db);
    return db;
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Once per container, as part of connecting. The unique indexes are what decide races between
 * concurrent creates and renames, so no request may run before they exist.
 *
 * One index per command: FerretDB v1 drops the connection when a single createIndexes names two
 * or more indexes that already exist, which is every container after the first.
 */
const INDEXES = [
  ["organizations", { key: { slug: 1 }, name: "slug_unique", unique: true }],
  ["organizations", { key: { admin_id: 1 }, name: "admin_id" }],
  ["organizations", { key: { "placement.cell": 1 }, name: "placement_cell" }],
  // The platform's search by name or slug prefix: an equality on an array (organizations/search.ts).
  ["organizationSearch", { key: { prefixes: 1 }, name: "prefixes" }],
  ["users", { key: { email: 1 }, name: "email_unique", unique: true }],
  ["memberships", { key: { organization_id: 1, role: 1, joined_at: 1 }, name: "organization_role_joined" }],
  ["memberships", { key: { user_id: 1 }, name: "user_id" }],
  ["invitations", { key: { token_hash: 1 }, name: "token_hash_unique", unique: true }],
  ["invitations", { key: { pending_key: 1 }, name: "pending_key_unique", unique: true }],
  ["invitations", { key: { organization_id: 1, expires_at: 1 }, name: "organization_expires" }],
  ["loginFailures", { key: { key: 1, at: -1 }, name: "key_at" }],
  ["audit", { key: { organization_id: 1, _id: -1 }, name: "organization_newest_first" }],
  ["sessions", { key: { user_id: 1, last_used_at: -1 }, name: "user_last_used" }],
  ["sessions", { key: { organization_id: 1, user_id: 1 }, name: "organization_user" }],
  ["usedOnce", { key: { user_id: 1 }, name: "user_id" }],
  ["accountTokens", { key: { user_id: 1 }, name: "user_id" }],
  ["clients", { key: { organization_id: 1 }, name: "organization_id" }],
  ["clientSecrets", { key: { client_id: 1 }, name: "client_id" }],
  // The feed's numbers are taken by unique keys (events/append.ts); readers ask for a page by equality.
  ["events", { key: { seq: 1 }, name: "seq_unique", unique: true }],
  ["events", { key: { org_key: 1 }, name: "org_key_unique", unique: true }],
  ["events", { key: { page: 1 }, name: "page" }],
  ["events", { key: { org_page: 1 }, name: "org_page" }],
  ["eventIntents", { key: { organization_id: 1 }, name: "organization_id" }],
  ["webhooks", { key: { organization_id: 1 }, name: "organization_id" }],
  ["webhooks", { key: { owner: 1 }, name: "owner" }],
  ["webhookMessages", { key: { state: 1 }, name: "state" }],
  ["webhookMessages", { key: { state: 1, next_attempt_at: 1 }, name: "state_next_attempt" }],
  ["webhookMessages", { key: { endpoint_id: 1, created_at: -1 }, name: "endpoint_newest_first" }],
  ["webhookMessages", { key: { endpoint_id: 1 }, name: "endpoint_id" }],
  ["webhookAttempts", { key: { message_id: 1 }, name: "message_id" }],
  ["webhookAttempts", { key: { endpoint_id: 1 }, name: "endpoint_id" }],
  ["exports", { key: { organization_id: 1 }, name: "organization_id" }],
  ["exports", { key: { state: 1 }, name: "state" }],
  // Domains (domains/): one claim per organization and domain, found by either; a domain's holder
  // by `_id`; the holders of an organization; the re-check's oldest first; an organization's requests.
  ["domainClaims", { key: { organization_id: 1, domain: 1 }, name: "organization_domain_unique", unique: true }],
  ["domainClaims", { key: { domain: 1 }, name: "domain" }],
  ["domainClaims", { key: { last_checked_at: 1 }, name: "last_checked_at" }],
  ["verifiedDomains", { key: { organization_id: 1 }, name: "organization_id" }],
  ["joinRequests", { key: { organization_id: 1, state: 1 }, name: "organization_state" }],
] as const;

/**
 * Collections whose documents carry an explicit `expires_at`: every query that matters filters on
 * it and the reconciler deletes what has expired; a TTL index does it too where the server has
 * them.
 */
const EXPIRING = [
  "loginFailures",
  "sessions",
  "refreshTokens",
  "refreshTokenUses",
  "mfaEnrollments",
  "mfaChallenges",
  "usedOnce",
  "accountTokens",
  "ssoLogins",
  "ssoHandoffs",
] as const;

async function ensureIndexes(db: Database): Promise<void> {
  await Promise.all([
    ...INDEXES.map(([collection, { key, ...options }]) => db[collection].createIndex(key, options)),
    ...EXPIRING.map((collection) => expireByField(db, collection)),
  ]);
}

/**
 * Where the server has TTL indexes (MongoDB), expired documents go by themselves; FerretDB v1
 * answers "not implemented", and the reconciler's clean-up does it instead. Correctness never
 * depends on it: queries filter on `expires_at`. (A TTL index ignores documents without the field:
 * recovery codes' uses stay until their factor goes.)
 */
async function expireByField(db: Database, collection: (typeof EXPIRING)[number]): Promise<void> {
  try {
    await db[collection].createIndex({ expires_at: 1 }, { name: "expires_at_ttl", expireAfterSeconds: 0 });
  } catch (error) {
    if (!isNotImplementedError(error)) throw error;
    await db[collection].createIndex({ expires_at: 1 }, { name: "expires_at" });
  }
}

/**
 * What else closes with the master's client: the cells' own clients (cells/clients.ts registers
 * them when it loads; a container that never loaded it has none).
 */
const closingWithDatabase: (() => Promise<void>)[] = [];

/** Have `closeDatabase` run `close` first (once per registration; registered once, at module load). */
export function onCloseDatabase(close: () => Promise<void>): void {
  closingWithDatabase.push(close);
}

/** Close the cached client (local server shutdown, tests). The next `database()` reconnects. */
export async function closeDatabase(): Promise<void> {
  for (const close of closingWithDatabase) await close();
  const pending = connection.current();
  connection.reset();
  if (!pending) return;
  const db = await pending.catch(() => undefined);
  await db?.client.close();
}

/** Whether the database answers right now; for health checks. */
export async function pingDatabase(): Promise<boolean> {
  try {
    const db = await database();
    await db.master.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
