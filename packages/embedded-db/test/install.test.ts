import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../src/index";
import { ensureFerretDbBinary, FERRETDB_VERSION, ferretDbCacheDir } from "../src/ferretdb-install";
import { ferretEnv, quiet } from "./helpers";

let cacheHome: string;
beforeEach(async () => {
  cacheHome = await mkdtemp(join(tmpdir(), "embedded-db-cache-test-"));
});
afterEach(async () => {
  await rm(cacheHome, { recursive: true, force: true });
});

describe("FerretDB binary", () => {
  it("is cached per user under XDG_CACHE_HOME, outside the repository", () => {
    expect(ferretDbCacheDir({ XDG_CACHE_HOME: "/x/cache" })).toBe(`/x/cache/org-service/ferretdb-${FERRETDB_VERSION}`);
    expect(ferretDbCacheDir({})).toMatch(new RegExp(`/\\.cache/org-service/ferretdb-${FERRETDB_VERSION}$`));
  });

  it("FERRETDB_BIN overrides the cache and is used to run the server", async () => {
    const binary = await ensureFerretDbBinary({ env: ferretEnv("ferretdb-sqlite"), log: quiet });
    const db = await startEmbeddedDatabase({
      env: ferretEnv("ferretdb-sqlite", { FERRETDB_BIN: binary, XDG_CACHE_HOME: cacheHome }),
      log: quiet,
    });
    await db.stop();
    expect(db.kind).toBe("ferretdb-sqlite");
    expect(existsSync(ferretDbCacheDir({ XDG_CACHE_HOME: cacheHome }))).toBe(false); // nothing built
  });

  it("a broken FERRETDB_BIN gives an actionable error", async () => {
    await expect(
      ensureFerretDbBinary({
        env: ferretEnv("ferretdb-sqlite", { FERRETDB_BIN: join(cacheHome, "missing") }),
        log: quiet,
      }),
    ).rejects.toThrow(/FERRETDB_BIN=.*missing is not a working FerretDB binary.*file not found.*MONGODB_URI/s);
  });

  it("without Go (and nothing cached) fails fast with what was tried and how to use MONGODB_URI", async () => {
    const env = ferretEnv("ferretdb-sqlite", { XDG_CACHE_HOME: cacheHome, PATH: join(cacheHome, "no-bin") });
    const started = Date.now();
    const error = (await ensureFerretDbBinary({ env, log: quiet }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`could not provide FerretDB ${FERRETDB_VERSION}`);
    expect(error.message).toContain("`go` was not found on PATH");
    expect(error.message).toContain("MONGODB_URI=mongodb://");
    // Lock released, no half-written binary left behind.
    expect(await readdir(ferretDbCacheDir(env))).toEqual([]);
  });

  it("does not trust a cached binary that fails its --version check", async () => {
    const env = ferretEnv("ferretdb-sqlite", { XDG_CACHE_HOME: cacheHome, PATH: join(cacheHome, "no-bin") });
    const dir = ferretDbCacheDir(env);
    await mkdir(dir, { recursive: true });
    // What `go install ...@v1.24.2` produces: a binary that panics at start-up.
    await writeFile(join(dir, "ferretdb"), "#!/bin/sh\necho 'panic: Invalid build/version/version.txt' >&2\nexit 2\n");
    await chmod(join(dir, "ferretdb"), 0o755);
    // Not accepted: it tries to rebuild (and fails here only because Go is hidden from PATH).
    await expect(ensureFerretDbBinary({ env, log: quiet })).rejects.toThrow("`go` was not found on PATH");
  });

  // Opt-in (EMBEDDED_DB_TEST_BUILD=1): a real build from nothing takes a minute or more.
  it.runIf(process.env.EMBEDDED_DB_TEST_BUILD === "1")(
    "builds FerretDB from source into an empty cache (concurrent callers share one build)",
    { timeout: 20 * 60_000 },
    async () => {
      const env = ferretEnv("ferretdb-sqlite", { XDG_CACHE_HOME: cacheHome });
      const lines: string[] = [];
      const [a, b] = await Promise.all([
        ensureFerretDbBinary({ env, log: (line) => lines.push(line) }),
        ensureFerretDbBinary({ env, log: (line) => lines.push(line) }),
      ]);
      expect(a).toBe(join(ferretDbCacheDir(env), "ferretdb"));
      expect(b).toBe(a);
      expect(lines.filter((l) => l.startsWith("building FerretDB"))).toHaveLength(1);
      expect(await readdir(ferretDbCacheDir(env))).toEqual(["ferretdb"]);
      const db = await startEmbeddedDatabase({ env, log: quiet });
      await db.stop();
      expect(db.kind).toBe("ferretdb-sqlite");
    },
  );
});
