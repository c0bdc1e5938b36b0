import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { withDirLock } from "./dir-lock";

/**
 * Provides a FerretDB binary: $FERRETDB_BIN, else a cached build outside the repository, else one
 * compiled from source with the local Go toolchain (needs only the Go module proxy, which is
 * reachable on machines where mongod downloads are not).
 *
 * Why not simply `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`:
 *  1. go install looks up the module's deprecation via the proxy's `@v/list`, which some proxies
 *     answer with 403 (observed here) even though .info/.mod/.zip of the version are served.
 *  2. More fundamentally, the result does not run: FerretDB's build/version package panics at
 *     start-up ("Invalid build/version/version.txt file content") whenever the main module is
 *     github.com/FerretDB/FerretDB and the generated version.txt is absent, and the published
 *     module zip does not contain it. Building it as a dependency of a wrapper module has the same
 *     main module (Go records the module of the main package) and fails identically, and
 *     `go build -overlay` refuses to overlay files inside GOMODCACHE.
 * So we fetch the exact module version with `go mod download` (no `@v/list` needed), copy its
 * source to a temp dir, write build/version/version.txt (what FerretDB's `task gen-version` would
 * generate) and build ./cmd/ferretdb there. Dependencies are pinned by FerretDB's own go.mod/go.sum.
 */

export const FERRETDB_VERSION = "v1.24.2";
const FERRETDB_MODULE = "github.com/FerretDB/FerretDB";

type Env = Readonly<Record<string, string | undefined>>;
type Log = (line: string) => void;

const execFileAsync = promisify(execFile);

/** `${XDG_CACHE_HOME:-~/.cache}/org-service/ferretdb-v1.24.2` – per user, shared by all checkouts. */
export function ferretDbCacheDir(env: Env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  return join(base, "org-service", `ferretdb-${FERRETDB_VERSION}`);
}

/** Runs `<bin> --version`; returns its first line ("version: v1.24.2") or throws. */
async function probeVersion(bin: string, env: Env): Promise<string> {
  const { stdout } = await execFileAsync(bin, ["--version"], { env, timeout: 15_000 });
  const line = stdout.split("\n").find((l) => l.startsWith("version:"));
  if (!line) throw new Error(`unexpected \`--version\` output: ${stdout.slice(0, 200)}`);
  return line.trim();
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (e?.code === "ENOENT") return "file not found";
  if (e?.code === "EACCES") return "not executable";
  const stderr = typeof e?.stderr === "string" ? e.stderr.trim().split("\n").slice(-15).join("\n") : "";
  return [e?.message ?? String(err), stderr].filter(Boolean).join("\n");
}

async function isUsableCachedBinary(bin: string, env: Env): Promise<boolean> {
  try {
    return (await probeVersion(bin, env)) === `version: ${FERRETDB_VERSION}`;
  } catch {
    return false;
  }
}

// Several vitest projects run their globalSetup in the same process: share one build.
const inFlight = new Map<string, Promise<string>>();

export async function ensureFerretDbBinary({ env, log }: { env: Env; log: Log }): Promise<string> {
  const override = env.FERRETDB_BIN;
  if (override) {
    try {
      log(`using FERRETDB_BIN=${override} (${await probeVersion(override, env)})`);
      return override;
    } catch (err) {
      throw new Error(
        `FERRETDB_BIN=${override} is not a working FerretDB binary (\`--version\` failed: ${describeError(err)}). ` +
          `Unset it to let @org-service/embedded-db build FerretDB ${FERRETDB_VERSION}, or set MONGODB_URI to use an existing MongoDB.`,
      );
    }
  }

  const dir = ferretDbCacheDir(env);
  const bin = join(dir, "ferretdb");
  if (await isUsableCachedBinary(bin, env)) return bin;

  let pending = inFlight.get(bin);
  if (!pending) {
    pending = installLocked(dir, bin, env, log).finally(() => inFlight.delete(bin));
    inFlight.set(bin, pending);
  }
  return pending;
}

async function installLocked(dir: string, bin: string, env: Env, log: Log): Promise<string> {
  await mkdir(dir, { recursive: true });
  return withDirLock(
    join(dir, ".install.lock"),
    async () => {
      // Another process may have finished the build while we were waiting for the lock.
      if (await isUsableCachedBinary(bin, env)) return bin;
      await buildFerretDb(dir, bin, env, log);
      return bin;
    },
    { onWait: () => log(`waiting for another process that is building FerretDB into ${dir} ...`) },
  );
}

async function buildFerretDb(dir: string, bin: string, env: Env, log: Log): Promise<void> {
  // GOWORK=off: ignore any go.work of the surroundings. -mod=mod: allow go.sum completion.
  // -buildvcs=false: the copied source is not a VCS checkout (and must not pick up an enclosing one).
  const goEnv = { ...env, GOWORK: "off", GO111MODULE: "on", GOFLAGS: "-mod=mod -buildvcs=false" };
  const go = async (args: string[], cwd: string) =>
    execFileAsync("go", args, { cwd, env: goEnv, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });

  const steps: string[] = [];
  const work = await mkdtemp(join(tmpdir(), "org-service-ferretdb-build-"));
  const tmpBin = join(dir, `ferretdb.tmp-${process.pid}-${Date.now()}`);
  try {
    steps.push("go version");
    try {
      await go(["version"], work);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error("`go` was not found on PATH");
      throw err;
    }

    log(`building FerretDB ${FERRETDB_VERSION} with Go into ${dir} (first run only, takes a minute or two) ...`);
    const started = Date.now();

    steps.push(`go mod download -json ${FERRETDB_MODULE}@${FERRETDB_VERSION}`);
    const { stdout } = await go(["mod", "download", "-json", `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], work);
    const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? stdout}`);

    steps.push(`copy the module source, write build/version/version.txt`);
    const src = join(work, "src");
    await cp(info.Dir, src, { recursive: true });
    // The module cache is read-only; make the copy's directories writable so that we can add
    // version.txt and remove the tree afterwards (as non-root).
    await makeDirectoriesWritable(src);
    await writeFile(join(src, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`);

    steps.push(`go build -trimpath -o ${tmpBin} ./cmd/ferretdb`);
    await go(["build", "-trimpath", "-o", tmpBin, "./cmd/ferretdb"], src);

    steps.push(`${tmpBin} --version`);
    const version = await probeVersion(tmpBin, env);
    if (version !== `version: ${FERRETDB_VERSION}`) throw new Error(`built binary reports "${version}"`);

    // Atomic publish: concurrent readers see either no binary or a complete one.
    await rename(tmpBin, bin);
    log(`built FerretDB ${FERRETDB_VERSION} in ${Math.round((Date.now() - started) / 1000)} s: ${bin}`);
  } catch (err) {
    throw new Error(
      [
        `@org-service/embedded-db: could not provide FerretDB ${FERRETDB_VERSION} (the local stand-in for MongoDB).`,
        `No working binary at ${bin}, so it was built from source with Go; steps: ${steps.join(" -> ")}.`,
        `Failure: ${describeError(err)}`,
        `Fix one of:`,
        `  - set MONGODB_URI=mongodb://<host>:<port>/ to use an existing MongoDB server (nothing is started then);`,
        `  - install Go >= 1.24 (https://go.dev/dl/) with access to a Go module proxy (GOPROXY), then retry;`,
        `  - set FERRETDB_BIN to an existing FerretDB v1.x binary;`,
        `  - where fastdl.mongodb.org is reachable, EMBEDDED_DB=mongod uses mongodb-memory-server instead.`,
      ].join("\n"),
      { cause: err },
    );
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => {});
    await rm(tmpBin, { force: true }).catch(() => {});
  }
}

async function makeDirectoriesWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeDirectoriesWritable(join(dir, entry.name));
  }
}
