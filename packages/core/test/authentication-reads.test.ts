import { ObjectId } from "mongodb";
import { afterAll, expect, inject, it } from "vitest";
import { authenticate, createOrganization, getTenantCollection, logout, UnauthenticatedError } from "../src";
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

it("a route that goes on to the organization reads its record beside the session, and uses that read once", async () => {
  const email = `reads.org.${Date.now()}@example.com`;
  const created = await createOrganization({
    organizationName: `Reads Org ${Date.now()}`,
    email,
    password: "pw-12345678",
  });
  const { accessToken } = await loginWithPassword({ email, password: "pw-12345678" });
  const db = await database();
  // Connections enough for two reads at once, so that neither waits for a connection to open.
  await Promise.all(Array.from({ length: 4 }, () => db.sessions.findOne({})));
  const events: string[] = [];
  const started = (event: { commandName: string; command: Record<string, unknown> }) =>
    events.push(`${event.commandName} ${String(event.command[event.commandName])}`);
  const answered = () => events.push("answer");
  db.client.on("commandStarted", started);
  db.client.on("commandSucceeded", answered);
  try {
    const actor = await authenticate(accessToken, undefined, new Date(), { readOrganization: true });
    // Both reads were sent before either was answered: one round trip, not two.
    expect(events.slice(0, 2).sort()).toEqual(["find organizations", "find sessions"]);
    events.length = 0;
    expect((await getTenantCollection(actor)).organizationId).toBe(created.id);
    expect(events.filter((event) => event === "find organizations")).toEqual([]);
    // A second look in the same request reads the record afresh.
    await getTenantCollection(actor);
    expect(events.filter((event) => event === "find organizations")).toHaveLength(1);
  } finally {
    db.client.off("commandStarted", started);
    db.client.off("commandSucceeded", answered);
  }
});

it("a token whose session was revoked is refused even when its organization's record was read beside it", async () => {
  const email = `reads.revoked.${Date.now()}@example.com`;
  await createOrganization({ organizationName: `Reads Revoked ${Date.now()}`, email, password: "pw-12345678" });
  const { accessToken } = await loginWithPassword({ email, password: "pw-12345678" });
  const actor = await authenticate(accessToken);
  await logout(actor);
  await expect(authenticate(accessToken, undefined, new Date(), { readOrganization: true })).rejects.toBeInstanceOf(
    UnauthenticatedError,
  );
});
