import type { ObjectId } from "mongodb";

/** Master database: one per organization. `slug` is unique and names the tenant collection. */
export interface OrganizationDocument {
  _id: ObjectId;
  name: string;
  slug: string;
  collection_name: string;
  admin_id: ObjectId;
  created_at: Date;
  updated_at: Date;
}

/** Master database: the organization's administrator. `email` is unique, stored lower-cased. */
export interface AdminDocument {
  _id: ObjectId;
  email: string;
  password_hash: string;
  organization_id: ObjectId;
  created_at: Date;
  updated_at: Date;
}
