import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { authenticatePlatform, clientCredentialsGrant, closeDatabase, OAuthError } from "@org-service/core";
import { database, useIsolatedDatabases } from "@org-service/core/testing";
import { afterAll, expect, inject, it } from "vitest";
import { bundledCommand, ROOT, sourceCommand } from "./support/bundled";

/**
 * `pnpm platform clients` as an operator runs it: separate processes against the test database
 * (the command bundled once per run, `support/test-bundles.ts`; its help from the sources).
 * The secret a create prints gets a token from the grant (in this process, as the token endpoint
 * would), and that token is a platform actor's.
 */
const run = promisify(execFile);
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(async () => {
  await databases.drop();
  await closeDatabase();
});

type Outcome = { code: number; stdout: string; stderr: string };

function platformCommand(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return run(process.execPath, bundledCommand("platform-command", args), { cwd: ROOT, env });
}

const outcomeOf = (args: string[], env?: NodeJS.ProcessEnv): Promise<Outcome> =>
  platformCommand(args, env).then(
    (success) => ({ code: 0, ...success }),
    (error: Outcome) => error,
  );

/** The labelled lines of a create: `label: value`. */
function labelled(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split("\n")
      .map((line) => {
        const at = line.indexOf(": ");
        return [line.slice(0, at), line.slice(at + 2)];
      }),
  );
}

const tokenFor = (clientId: string, clientSecret: string, scope?: string) =>
  clientCredentialsGrant({ grantType: "client_credentials", clientId, clientSecret, scope });

it("creates a platform client and prints its id and secret as labelled lines; the secret gets a platform token", async () => {
  const { stdout, stderr } = await platformCommand([
    "clients",
    "create",
    "--name",
    "Operator console",
    "--scopes",
    "platform:read,platform:write",
  ]);
  const printed = labelled(stdout);
  expect(printed.client_id).toMatch(/^pc_[0-9a-f]{24}$/);
  expect(printed.client_secret).toMatch(/^cs_/);
  expect(printed.name).toBe("Operator console");
  expect(printed.scopes).toBe("platform:read platform:write");
  expect(stderr).toContain("shown this once");

  const { accessToken } = await tokenFor(printed.client_id!, printed.client_secret!);
  expect(await authenticatePlatform(accessToken)).toEqual({
    clientId: printed.client_id,
    scopes: ["platform:read", "platform:write"],
  });
  const db = await database();
  expect(await db.audit.findOne({ action: "client.created", client_id: printed.client_id })).toMatchObject({
    details: { name: "Operator console", scopes: "platform:read platform:write" },
  });
});

it("--json prints one JSON object; list shows every platform client without a secret; revoke ends it", async () => {
  const created = JSON.parse(
    (await platformCommand(["clients", "create", "--name", "Reader", "--scopes", "platform:read", "--json"])).stdout,
  );
  expect(created).toMatchObject({
    client_id: expect.stringMatching(/^pc_/),
    client_secret: expect.stringMatching(/^cs_/),
    name: "Reader",
    scopes: ["platform:read"],
    secrets: [{ secret_id: expect.stringMatching(/^sec_/), prefix: created.client_secret.slice(0, 9) }],
  });
  const { accessToken } = await tokenFor(created.client_id, created.client_secret);

  const listed = (await platformCommand(["clients", "list"])).stdout;
  expect(listed).toMatch(new RegExp(`^${created.client_id} {2}Reader {2}platform:read {2}created `, "m"));
  expect(listed).toContain(`${created.client_secret.slice(0, 9)}…`);
  expect(listed).toMatch(/last used \d{4}-/);
  expect(listed).not.toContain(created.client_secret);
  const asJson = JSON.parse((await platformCommand(["clients", "list", "--json"])).stdout);
  expect(asJson.map((client: { client_id: string }) => client.client_id)).toContain(created.client_id);
  expect(JSON.stringify(asJson)).not.toContain(created.client_secret);

  const revoked = await platformCommand(["clients", "revoke", created.client_id]);
  expect(revoked.stdout.trim()).toBe(`revoked: ${created.client_id} (Reader)`);
  // Its token is refused at its next request, and its secret gets no other.
  await expect(authenticatePlatform(accessToken)).rejects.toThrow();
  await expect(tokenFor(created.client_id, created.client_secret)).rejects.toBeInstanceOf(OAuthError);
  expect((await platformCommand(["clients", "list"])).stdout).not.toContain(created.client_id);
});

it("answers usage errors with the usage and exit code 2, and --help with the usage", async () => {
  const usages = [
    [],
    ["tenants"],
    ["clients"],
    ["clients", "create", "--name", "x"],
    ["clients", "create", "--scopes", "platform:read"],
    ["clients", "create", "--name", "x", "--scopes", "data:read"],
    ["clients", "list", "--bogus"],
    ["clients", "revoke"],
    ["clients", "revoke", "pc_1", "pc_2"],
  ];
  // The help as the script runs it, from the sources through tsx; the rest from the bundle.
  const [help, ...failures] = await Promise.all([
    run(process.execPath, sourceCommand("platform-command", ["--help"]), { cwd: ROOT }),
    ...usages.map((args) => outcomeOf(args)),
  ]);
  for (const [i, failure] of failures.entries()) {
    expect(failure, usages[i]!.join(" ")).toMatchObject({ code: 2, stdout: "" });
    expect(failure.stderr, usages[i]!.join(" ")).toContain("Usage:");
  }
  expect(help.stdout).toContain("pnpm platform clients create --name <name> --scopes <scopes>");
});

it("prints a refusal as one line and exits 1, without a stack", async () => {
  const cases: [string[], string][] = [
    [["clients", "revoke", "pc_000000000000000000000000"], "No platform client"],
    [["clients", "create", "--name", " ", "--scopes", "platform:read"], "name: must not be empty"],
    [["clients", "create", "--name", "twice", "--scopes", "platform:read,platform:read"], "must not repeat a scope"],
  ];
  const failures = await Promise.all(cases.map(([args]) => outcomeOf(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const failure = failures[i]!;
    expect(failure, args.join(" ")).toMatchObject({ code: 1, stdout: "" });
    expect(failure.stderr, args.join(" ")).toContain(message);
    expect(failure.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    expect(failure.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
  }
});

it("an organization's client is not a platform client: revoke refuses it", async () => {
  const db = await database();
  await db.clients.insertOne({
    _id: "oc_111111111111111111111111",
    kind: "organization",
    name: "Someone's",
    scopes: ["data:read"],
    created_at: new Date(),
  });
  const failure = await outcomeOf(["clients", "revoke", "oc_111111111111111111111111"]);
  expect(failure).toMatchObject({ code: 1 });
  expect(await db.clients.countDocuments({ _id: "oc_111111111111111111111111" })).toBe(1);
  expect((await platformCommand(["clients", "list"])).stdout).not.toContain("oc_111111111111111111111111");
});

it("exits 2 without MONGODB_URI, and before it connects when the configuration is wrong", async () => {
  const { MONGODB_URI: _, ...withoutUri } = process.env;
  const missing = await outcomeOf(["clients", "list"], withoutUri);
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("Set MONGODB_URI") });
  const wrong = await outcomeOf(["clients", "list"], {
    ...process.env,
    MONGODB_URI: "mysql://root:hunter2@127.0.0.1:1/",
  });
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain("MONGODB_URI (secret, value not shown)");
  expect(wrong.stderr).not.toContain("hunter2");
});
