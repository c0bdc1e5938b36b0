import { clientView } from "@org-service/functions/views";
import { parseArgs } from "node:util";
import {
  type ClientSummary,
  closeDatabase,
  createPlatformClient,
  listPlatformClients,
  NotFoundError,
  PLATFORM_SCOPES,
  parseConfig,
  revokePlatformClient,
  ValidationError,
} from "@org-service/core";
import { exitIfMisconfigured } from "./settings";

/**
 * `pnpm platform clients create --name <name> --scopes platform:read[,platform:write] [--json]`:
 * a platform client, the operator's machine client of the platform API (`/platform/*`), and its
 * first secret, printed this once (`client_id: …`, `client_secret: …`, or one JSON object).
 * `pnpm platform clients list [--json]`: every platform client, never a secret. `pnpm platform
 * clients revoke <client_id>`: the client and its secrets deleted; its tokens stop working at their
 * next request. In the database MONGODB_URI (and MONGODB_MASTER_DB) names: the local one, or a
 * deployed stage's.
 *
 * Exit codes: 0 done, 1 refused (an invalid name, an unknown client: one line), 2 a usage or
 * configuration error.
 */
const USAGE = `Usage:
  pnpm platform clients create --name <name> --scopes <scopes> [--json]
  pnpm platform clients list [--json]
  pnpm platform clients revoke <client_id>

  create    a platform client and its first secret, shown this once (--json: as one JSON object)
  --scopes  comma-separated, of: ${PLATFORM_SCOPES.join(", ")}
  list      every platform client: id, name, scopes, its secrets' prefixes and last use (never a secret)
  revoke    delete a client with its secrets: its tokens are refused from their next request`;

function usageError(message?: string): never {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      scopes: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  usageError((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

type PlatformScope = (typeof PLATFORM_SCOPES)[number];
type Command =
  | { kind: "create"; name: string; scopes: PlatformScope[]; json: boolean }
  | { kind: "list"; json: boolean }
  | { kind: "revoke"; clientId: string };

function commandOf(): Command {
  const [noun, verb, ...rest] = positionals;
  if (noun !== "clients") usageError(noun ? `Unknown command "${noun}".` : undefined);
  if (verb === "create") {
    if (rest.length > 0) usageError("create takes no positional arguments: --name and --scopes.");
    if (values.name === undefined) usageError("--name <name> names the client.");
    if (values.scopes === undefined) usageError("--scopes says what its tokens may do.");
    const scopes = values.scopes.split(",").map((scope) => scope.trim());
    const unknown = scopes.filter((scope) => !(PLATFORM_SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0) usageError(`Unknown scope "${unknown[0]}": --scopes takes ${PLATFORM_SCOPES.join(", ")}.`);
    return { kind: "create", name: values.name, scopes: scopes as PlatformScope[], json: values.json };
  }
  if (values.name !== undefined || values.scopes !== undefined) usageError("--name and --scopes go with create.");
  if (verb === "list") {
    if (rest.length > 0) usageError();
    return { kind: "list", json: values.json };
  }
  if (verb === "revoke") {
    if (values.json) usageError("--json goes with create and list.");
    const [clientId, ...more] = rest;
    if (!clientId || more.length > 0) usageError("Name one client to revoke.");
    return { kind: "revoke", clientId };
  }
  usageError(verb ? `Unknown command "clients ${verb}".` : undefined);
}
const command = commandOf();

// The whole configuration first: a wrong value ends the command here, before it connects.
exitIfMisconfigured(() => parseConfig(process.env));
if (!process.env.MONGODB_URI) {
  console.error(
    "Set MONGODB_URI to the master database (an embedded database lives only as long as `pnpm start`; a deployed stage's: its connection string).",
  );
  process.exit(2);
}

const secretsLine = (client: ClientSummary) =>
  client.secrets
    .map(
      (secret) =>
        `${secret.prefix}… (${secret.secretId}, ${secret.lastUsedAt ? `last used ${secret.lastUsedAt.toISOString()}` : "never used"})`,
    )
    .join(", ");

/** A client as the API shows one (`GET /org/clients`): the command prints the same fields. */
const clientJson = clientView;

try {
  switch (command.kind) {
    case "create": {
      const client = await createPlatformClient({ name: command.name, scopes: command.scopes });
      if (command.json) {
        console.log(JSON.stringify({ ...clientJson(client), client_secret: client.secret.secret }));
      } else {
        console.log(`client_id: ${client.clientId}`);
        console.log(`client_secret: ${client.secret.secret}`);
        console.log(`name: ${client.name}`);
        console.log(`scopes: ${client.scopes.join(" ")}`);
        console.error("The secret is shown this once (only its hash is kept): store it now.");
      }
      break;
    }
    case "list": {
      const clients = await listPlatformClients();
      if (command.json) console.log(JSON.stringify(clients.map(clientJson), null, 2));
      else if (clients.length === 0) console.log("No platform clients.");
      else {
        for (const client of clients) {
          console.log(
            `${client.clientId}  ${client.name}  ${client.scopes.join(" ")}  created ${client.createdAt.toISOString()}  secrets: ${secretsLine(client)}`,
          );
        }
      }
      break;
    }
    case "revoke": {
      const revoked = await revokePlatformClient(command.clientId);
      console.log(`revoked: ${revoked.clientId} (${revoked.name})`);
      break;
    }
  }
} catch (error) {
  const refused = [ValidationError, NotFoundError].some((kind) => error instanceof kind);
  if (!refused) throw error;
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
