import * as z from "zod/mini";

/**
 * The archive an export writes and a restore reads: a gzip'd tar of the parts below, the manifest
 * first. `documents.ndjson` is MongoDB Extended JSON v2 in its canonical form, one document per
 * line, so every BSON type survives and `mongoimport` loads it as it is; the other parts are plain
 * JSON (NDJSON for the two that grow with the organization's history). The manifest names each
 * part's SHA-256 and size, and the order-independent hash of the documents (cells/copy.ts's, of
 * the bytes the server holds), which a restore checks before the organization becomes visible.
 */
export const ARCHIVE_FORMAT = "org-service-export";
export const ARCHIVE_FORMAT_VERSION = 1;

export const MANIFEST = "manifest.json";

export const PARTS = [
  "organization.json",
  "metadata.json",
  "indexes.json",
  "members.json",
  "invitations.json",
  "documents.ndjson",
  "audit.ndjson",
  "events.ndjson",
] as const;

export type PartName = (typeof PARTS)[number];

const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const count = z.int().check(z.minimum(0));

const partSchema = z.object({ sha256, bytes: count });

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  format_version: z.int(),
  exported_at: z.iso.datetime(),
  organization: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  counts: z.object({
    documents: count,
    indexes: count,
    members: count,
    invitations: count,
    audit_entries: count,
    events: count,
  }),
  /** The documents' order-independent hash: the sum of each one's SHA-256 of its BSON, mod 2^256. */
  documents_hash: sha256,
  /** Whether `metadata.json` holds the private metadata (a platform client's export) or only the public. */
  private_metadata: z.boolean(),
  parts: z.record(z.enum(PARTS), partSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** `organization.json`. */
export interface OrganizationPart {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly created_at: string;
}

/** One entry of `members.json`: who, in which role, since when; never a credential. */
export interface MemberPart {
  readonly user_id: string;
  readonly email: string;
  readonly role: string;
  readonly joined_at: string;
}

/** One entry of `invitations.json`: a pending invitation, without its token. */
export interface InvitationPart {
  readonly email: string;
  readonly role: string;
  readonly invited_by: string;
  readonly created_at: string;
  readonly expires_at: string;
}

/** `metadata.json`. */
export interface MetadataPart {
  readonly public: Record<string, unknown>;
  readonly private?: Record<string, unknown>;
}
