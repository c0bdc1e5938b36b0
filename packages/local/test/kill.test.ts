import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { checkInvariants, closeDatabase, reconcile } from "@org-service/core";
import { useIsolatedDatabases } from "@org-service/core/testing";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, expect, inject, it } from "vitest";
import { bundledCommand, ROOT } from "./support/bundled";
import { httpClient } from "./support/http";

/**
 * The server process, SIGKILLed at random moments while creates, renames, credential changes and
 * deletes are in flight, again and again. Afterwards one reconcile must leave every invariant
 * holding, and the service must work as before.
 */
// Each round starts a server process from its bundle (about 0.7 s a round here), so the rounds are
// most of this file's time: 32, each at a random moment of a stream of every kind of write (the
// report printed below says what each run left half-done and repaired).
const KILLS = 32;
const databases = useIsolatedDatabases(inject("mongodbUri"), { bcryptCost: 5 });
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/**
 * Start the local server against the test database, every handler from its bundle (made once per
 * run: support/test-bundles.ts); resolve once it listens. One node process, which a SIGKILL ends.
 */
function startServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, bundledCommand("server"), {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening on")) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

interface Known {
  name: string;
  email: string;
  token?: string;
}

it(`survives ${KILLS} SIGKILLs in the middle of writes`, async () => {
  const port = await freePort();
  const pair = await generateKeyPair("RS256", { extractable: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    // One key and issuer across restarts, so tokens outlive the process that issued them.
    JWT_PRIVATE_KEY: JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid: "kill-test" }),
    JWT_ISSUER: `http://127.0.0.1:${port}`,
    // Every request comes from 127.0.0.1, and the storm logs in with emails a lost answer left
    // stale: those failures must not throttle the address the checks afterwards log in from.
    LOGIN_MAX_FAILURES_PER_IP: "10000",
  };
  const call = httpClient(() => `http://127.0.0.1:${port}`);
  const known: Known[] = [];
  let serial = 0;
  let answered = 0;

  const operations: Array<() => Promise<unknown>> = [
    async () => {
      const n = ++serial;
      const org = { name: `Kill Org ${n}`, email: `kill${n}@example.com` };
      const created = await call("POST", "/org/create", {
        json: { organization_name: org.name, email: org.email, password: "password-123" },
      });
      if (created.status === 201) known.push(org);
    },
    async () => {
      const org = known[Math.floor(Math.random() * known.length)];
      if (!org) return;
      const session = await call("POST", "/admin/login", { json: { email: org.email, password: "password-123" } });
      if (session.status === 200) org.token = session.json.access_token;
    },
    async () => {
      const org = known.find((candidate) => candidate.token);
      if (!org) return;
      const name = `Kill Renamed ${++serial}`;
      const renamed = await call("PUT", "/org/update", {
        token: org.token,
        json: { organization_name: org.name, new_organization_name: name },
      });
      if (renamed.status === 200) org.name = name;
    },
    async () => {
      const org = known.find((candidate) => candidate.token);
      if (!org) return;
      const email = `kill.changed${++serial}@example.com`;
      const changed = await call("PUT", "/org/update", {
        token: org.token,
        // Every account here keeps the password it was created with.
        json: { organization_name: org.name, email, password: "password-123", current_password: "password-123" },
      });
      // The change revoked the old token; the answer carries the new one.
      if (changed.status === 200) Object.assign(org, { email, token: changed.json.access_token });
    },
    async () => {
      const org = known.filter((candidate) => candidate.token).at(-1);
      if (!org) return;
      const deleted = await call("DELETE", "/org/delete", { token: org.token, json: { organization_name: org.name } });
      if (deleted.status === 200) known.splice(known.indexOf(org), 1);
    },
  ];

  for (let round = 0; round < KILLS; round++) {
    const server = await startServer(env);
    // Warm (database connected, a handler loaded), so the kill lands among writes, not in start-up.
    await call("GET", "/health");
    const stream = (async () => {
      for (;;) {
        const batch = Array.from({ length: 6 }, () => operations[Math.floor(Math.random() * operations.length)]!);
        const results = await Promise.allSettled(batch.map((operation) => operation()));
        answered += results.filter((result) => result.status === "fulfilled").length;
        if (results.some((result) => result.status === "rejected")) return; // the server is gone
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 500));
    await killed(server);
    await stream;
  }

  // Everything the dead processes left half-done is finished or undone, and nothing else is wrong.
  const report = await reconcile({ graceSeconds: 0 });
  console.log(
    `kill test: ${answered} requests answered across ${KILLS} kills; reconcile repaired ${JSON.stringify(report)}`,
  );
  expect(await checkInvariants()).toEqual([]);
  // The workload made progress between kills, and kills did land in the middle of operations.
  expect(answered).toBeGreaterThan(KILLS / 2);
  expect(Object.values(report).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);

  // And the service still works on that data.
  const server = await startServer(env);
  try {
    const fresh = { name: `After The Storm`, email: "storm@example.com" };
    expect(
      (
        await call("POST", "/org/create", {
          json: { organization_name: fresh.name, email: fresh.email, password: "password-123" },
        })
      ).status,
    ).toBe(201);
    const session = await call("POST", "/admin/login", { json: { email: fresh.email, password: "password-123" } });
    expect(session.status).toBe(200);
    const token = session.json.access_token as string;
    expect(
      (
        await call("PUT", "/org/update", {
          token,
          json: { organization_name: fresh.name, new_organization_name: "Calm" },
        })
      ).status,
    ).toBe(200);
    expect(await checkInvariants()).toEqual([]);
  } finally {
    await killed(server);
  }
}, 600_000);
