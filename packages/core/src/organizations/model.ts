import { ObjectId } from "mongodb";
import type { Database } from "../db/client";
import type { OrganizationDocument } from "../db/documents";
import { NotFoundError } from "../errors";
import { slugify } from "../slug";
import { VISIBLE } from "./steps";

/** An organization as the rest of the service sees it. */
export interface Organization {
  readonly id: string;
  readonly adminId: string;
  readonly name: string;
  readonly slug: string;
  readonly collectionName: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface OrganizationWithAdmin extends Organization {
  readonly adminEmail: string;
}

/** The identity a verified access token carries: an admin acting for an organization. */
export interface Actor {
  readonly adminId: string;
  readonly organizationId: string;
}

/** An actor as authentication found it, admin record read: its email comes with it. */
export interface AuthenticatedActor extends Actor {
  readonly email: string;
}

export const organizationProjection = {
  _id: 1,
  pending: 1,
  admin_id: 1,
  name: 1,
  slug: 1,
  collection_name: 1,
  created_at: 1,
  updated_at: 1,
} as const;

export function toOrganization(document: OrganizationDocument): Organization {
  return {
    id: document._id.toHexString(),
    adminId: document.admin_id.toHexString(),
    name: document.name,
    slug: document.slug,
    collectionName: document.collection_name,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
  };
}

/** Look an organization up by name; any spelling with the same slug finds it. */
export async function findOrganizationDocument(db: Database, name: string): Promise<OrganizationDocument> {
  const document = await db.organizations.findOne(
    { slug: slugify(name), ...VISIBLE },
    { projection: organizationProjection },
  );
  if (!document) throw new NotFoundError(`No organization is named "${name}".`);
  return document;
}

export async function adminEmailOf(db: Database, adminId: ObjectId): Promise<string> {
  const admin = await db.admins.findOne({ _id: adminId }, { projection: { email: 1 } });
  if (!admin) throw new NotFoundError("The organization has no administrator.");
  return admin.email;
}

export function toObjectId(id: string): ObjectId | undefined {
  return ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id) ? new ObjectId(id) : undefined;
}
