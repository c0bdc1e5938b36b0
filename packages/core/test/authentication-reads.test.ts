import { ObjectId } from "mongodb";
import { afterAll, expect, inject, it } from "vitest";
import { authenticate, createOrganization } from "../src";
import { database, useIsolatedDatabases, loginWithPassword } from "../src/testing";

// The driver's command monitoring, switched on through the connection string.
const databases = useIsolatedDatabases(`${inject("mongodbUri")}?monitorCommands=true`);
afterAll(() => databases.drop());

it("an authenticated request checks revocation with one read by primary key: the session", async () => {
  const email = `reads.${Date.now()}@example.com`;
  await createOrganization({
    organizationName: `Reads ${Date.now()}`,
    email,
    password: "pw-12345678",
  });
  const { accessToken, sessionId } = await loginWithPassword({ email, password: "pw-12345678" });
  const db = await database();
  const commands: { name: string; collection: unknown; filter: unknown }[] = [];
  const record = (event: { commandName: string; command: Record<string, unknown> }) =>
    commands.push({
      name: event.commandName,
      collection: event.command[event.commandName],
      filter: event.command.filter,
    });
  db.client.on("commandStarted", record);
  try {
    await authenticate(accessToken);
  } finally {
    db.client.off("commandStarted", record);
  }
  expect(commands).toEqual([{ name: "find", collection: "sessions", filter: { _id: new ObjectId(sessionId) } }]);
});
