import { type Db, MongoClient } from "mongodb";
import { config } from "../config";
import { clientOptionsFor, database, onCloseDatabase } from "../db/client";
import { ConfigurationError } from "../errors";
import { type Once, once } from "../once";
import type { CellConfig } from "../cell-config";

/**
 * One MongoClient per cell per container, created on the first use of that cell, never at cold
 * start: an invocation that touches one tenant connects to that tenant's cell only. A cell on the
 * master database's deployment (the same connection string) shares the master's client.
 */
const clients = new Map<string, Once<MongoClient>>();

// Closed with the master's client (db/client.ts's closeDatabase), which does not import cells.
onCloseDatabase(closeCellClients);

export function cellNamed(name: string): CellConfig {
  const cell = config().cells.find((candidate) => candidate.name === name);
  if (!cell)
    throw new ConfigurationError(`A tenant is placed in the cell "${name}", which TENANT_CELLS does not list.`);
  return cell;
}

async function clientOf(cell: CellConfig): Promise<MongoClient> {
  const { mongodbUri } = config();
  if (cell.uri === undefined || cell.uri === mongodbUri) return (await database()).client;
  let client = clients.get(cell.name);
  if (!client) {
    const uri = cell.uri;
    client = once(async () => {
      const connecting = new MongoClient(uri, clientOptionsFor(uri));
      try {
        return await connecting.connect();
      } catch (error) {
        await connecting.close().catch(() => undefined);
        throw error;
      }
    });
    clients.set(cell.name, client);
  }
  return client.get();
}

/** A database of a cell: its pool database, or a silo tenant's own. */
export async function cellDatabase(cellName: string, databaseName: string): Promise<Db> {
  return (await clientOf(cellNamed(cellName))).db(databaseName);
}

/** The cells this container has a client of its own for (the master's deployment not among them). */
export function cellsWithClients(): string[] {
  return [...clients.keys()];
}

/** Close every cell's own client (local server shutdown, tests); the master's is closed with the master. */
export async function closeCellClients(): Promise<void> {
  const pending = [...clients.values()].map((client) => client.current());
  clients.clear();
  await Promise.all(
    pending.map(async (client) => {
      await (await client?.catch(() => undefined))?.close();
    }),
  );
}
