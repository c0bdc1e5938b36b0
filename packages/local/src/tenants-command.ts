import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  exportOrganization,
  QuotaExceededError,
  restoreArchive,
  type CellListing,
  closeDatabase,
  ConflictError,
  continueMove,
  listCells,
  type MoveStatus,
  moveTenant,
  NoCapacityError,
  NotFoundError,
  parseConfig,
  undoMove,
  ValidationError,
} from "@org-service/core";
import { exitIfMisconfigured } from "./settings";

/**
 * `pnpm tenants list [--json]`: every cell, the namespaces it holds against its budget, and its
 * tenants. `pnpm tenants move <organization_name> --to <cell> [--tier pool|silo]`: moves a tenant
 * to another cell or tier (core's `moveTenant`), waiting out the drain periods and printing a line
 * whenever the move gets further; `--continue` carries on a move that was interrupted, `--undo`
 * undoes one that has not switched yet. `pnpm tenants export <organization_name> --out <file>`
 * writes the organization's archive (private metadata included) to a file; `pnpm tenants restore
 * <file> [--name <organization_name>]` restores one (archives/). In the database MONGODB_URI
 * names, across TENANT_CELLS.
 *
 * Exit codes: 0 done, 1 the move or listing failed (a refusal such as an unknown organization or
 * cell, or a full cell, is printed as one line), 2 a usage or configuration error.
 */
const USAGE = `Usage:
  pnpm tenants list [--json]
  pnpm tenants move <organization_name> --to <cell> [--tier pool|silo]
  pnpm tenants move <organization_name> --continue
  pnpm tenants move <organization_name> --undo
  pnpm tenants export <organization_name> --out <file.tar.gz>
  pnpm tenants restore <file.tar.gz> [--name <organization_name>]

  list        every cell: namespaces used / budget, and its tenants (--json: as JSON)
  move        move a tenant to another cell (and tier), waiting until it is done
  --continue  carry on a move that was interrupted (the reconciler also does, in steps)
  --undo      undo a move that has not switched to its target yet
  export      write the organization's archive (documents, indexes, members, metadata, audit, events)
  restore     make an organization from an archive (--name: under another name than the archive's)`;

/** How long one call works before the command prints where the move got to. */
const SLICE_MS = 3_000;
/** Pause between calls that made no progress (a drain period running). */
const IDLE_MS = 1_000;

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
      json: { type: "boolean", default: false },
      to: { type: "string" },
      tier: { type: "string" },
      continue: { type: "boolean", default: false },
      undo: { type: "boolean", default: false },
      out: { type: "string" },
      name: { type: "string" },
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

type Command =
  | { kind: "list"; json: boolean }
  | { kind: "move"; organizationName: string; to: string; tier: "pool" | "silo" | undefined }
  | { kind: "continue" | "undo"; organizationName: string }
  | { kind: "export"; organizationName: string; out: string }
  | { kind: "restore"; file: string; name: string | undefined };

function commandOf(): Command {
  const [verb, organizationName, ...rest] = positionals;
  if (verb === "list") {
    if (positionals.length > 1 || values.to || values.tier || values.continue || values.undo) usageError();
    return { kind: "list", json: values.json };
  }
  if (verb === "export") {
    if (!organizationName || rest.length > 0) usageError("Name one organization to export.");
    if (!values.out) usageError("--out <file> says where to write its archive.");
    return { kind: "export", organizationName, out: values.out };
  }
  if (verb === "restore") {
    if (!organizationName || rest.length > 0) usageError("Name one archive to restore.");
    return { kind: "restore", file: organizationName, name: values.name };
  }
  if (values.out || values.name) usageError("--out goes with export, --name with restore.");
  if (verb !== "move") usageError(verb ? `Unknown command "${verb}".` : undefined);
  if (!organizationName || rest.length > 0) usageError("Name one organization to move.");
  if (values.json) usageError("--json goes with list.");
  if (values.continue || values.undo) {
    if (values.continue && values.undo) usageError("--continue or --undo, not both.");
    if (values.to || values.tier) usageError("--to and --tier start a move; --continue and --undo take neither.");
    return { kind: values.undo ? "undo" : "continue", organizationName };
  }
  if (!values.to) usageError("--to <cell> says where to move it.");
  if (values.tier !== undefined && values.tier !== "pool" && values.tier !== "silo") {
    usageError("--tier is pool or silo.");
  }
  return { kind: "move", organizationName, to: values.to, tier: values.tier };
}
const command = commandOf();

// The whole configuration first: a wrong value ends the command here, before it connects.
exitIfMisconfigured(() => parseConfig(process.env));
if (!process.env.MONGODB_URI) {
  console.error("Set MONGODB_URI to the master database (an embedded database lives only as long as `pnpm start`).");
  process.exit(2);
}

const where = (side: MoveStatus["from"]) => `${side.cell} (${side.tier})`;

function describe(status: MoveStatus): string {
  return `${status.organizationName}: ${where(status.from)} → ${where(status.to)}: ${status.step}, ${status.copied} documents copied`;
}

function table(cells: readonly CellListing[]): string {
  const lines: string[] = [];
  for (const cell of cells) {
    const budget = cell.maxNamespaces === undefined ? "no budget" : String(cell.maxNamespaces);
    lines.push(`${cell.name}  ${cell.namespaces} / ${budget} namespaces  ${cell.tenants.length} tenants`);
    const width = Math.max(0, ...cell.tenants.map((tenant) => tenant.organizationName.length));
    for (const tenant of cell.tenants) {
      const moving = tenant.moving ? `  moving ${tenant.moving.from} → ${tenant.moving.to}: ${tenant.moving.step}` : "";
      lines.push(
        `  ${tenant.organizationName.padEnd(width)}  ${tenant.tier.padEnd(4)}  ${String(tenant.namespaces).padStart(4)} namespaces${moving}`,
      );
    }
  }
  return lines.join("\n");
}

/** Calls `step` until the move is done, printing a line whenever it got further. */
async function carryOn(first: () => Promise<MoveStatus>, organizationName: string): Promise<MoveStatus> {
  let status = await first();
  console.log(describe(status));
  while (status.step !== "done" && status.step !== "undone") {
    const before = status;
    try {
      status = await continueMove(organizationName, { budgetMs: SLICE_MS, waitForDrain: true });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      // Another worker (the reconciler, an operator's undo) ended it between two calls.
      console.log(`${organizationName}: no longer moving (finished or undone elsewhere)`);
      return status;
    }
    if (status.step !== before.step || status.copied !== before.copied) console.log(describe(status));
    else await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  }
  return status;
}

try {
  switch (command.kind) {
    case "list": {
      const cells = await listCells();
      console.log(command.json ? JSON.stringify(cells, null, 2) : table(cells));
      break;
    }
    case "move": {
      const { organizationName, to, tier } = command;
      const options = { budgetMs: SLICE_MS, waitForDrain: true };
      await carryOn(
        () => moveTenant({ organizationName, toCell: to, ...(tier && { tier }) }, options),
        organizationName,
      );
      break;
    }
    case "continue":
      await carryOn(
        () => continueMove(command.organizationName, { budgetMs: SLICE_MS, waitForDrain: true }),
        command.organizationName,
      );
      break;
    case "undo":
      console.log(describe(await undoMove(command.organizationName)));
      break;
    case "export": {
      // Written under another name first: a file of the given name is always a whole archive.
      const partial = `${command.out}.partial`;
      try {
        const { manifest, bytes, sha256 } = await exportOrganization(
          command.organizationName,
          createWriteStream(partial),
        );
        await rename(partial, command.out);
        console.log(
          `${manifest.organization.name}: ${manifest.counts.documents} documents, ${manifest.counts.indexes} indexes, ${manifest.counts.members} members → ${command.out} (${bytes} bytes, sha256 ${sha256})`,
        );
      } finally {
        await rm(partial, { force: true });
      }
      break;
    }
    case "restore": {
      const restored = await restoreArchive(createReadStream(command.file), {
        ...(command.name && { organizationName: command.name }),
      });
      console.log(
        `${restored.name} (${restored.id}): ${restored.documents} documents, ${restored.indexes} indexes, ${restored.members.length} members restored`,
      );
      for (const member of restored.members) {
        console.log(
          `  ${member.email}  ${member.role}${member.account === "new" ? "  (new account: mailed a link to set its password)" : ""}`,
        );
      }
      break;
    }
  }
} catch (error) {
  const refused = [ValidationError, NotFoundError, ConflictError, NoCapacityError, QuotaExceededError].some(
    (kind) => error instanceof kind,
  );
  if (!refused) throw error;
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
