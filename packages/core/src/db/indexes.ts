import type { Collection, Document } from "mongodb";
import { isNamespaceNotFoundError } from "./mongo-errors";

/** The name MongoDB gives the index on `_id`, which every collection has. */
export const ID_INDEX = "_id_";

/** An index as stored, besides `_id`'s: what a move copies and compares. */
export interface IndexSpec {
  readonly name: string;
  readonly key: Document;
  readonly unique: boolean;
  readonly sparse: boolean;
}

/** A collection's indexes besides `_id`'s, in the server's order; a collection not created yet has none. */
export async function indexesOf(collection: Collection): Promise<IndexSpec[]> {
  let indexes: Document[];
  try {
    indexes = await collection.listIndexes().toArray();
  } catch (error) {
    if (isNamespaceNotFoundError(error)) return [];
    throw error;
  }
  return indexes
    .filter((index) => index.name !== ID_INDEX)
    .map((index) => ({
      name: String(index.name),
      key: index.key as Document,
      unique: index.unique === true,
      sparse: index.sparse === true,
    }));
}
