import {
  ConfigurationError,
  describeConfigurationIssue,
  parseConfig,
  type ConfigurationIssue,
} from "@org-service/core";

/**
 * The local commands check the whole configuration before they start anything: a wrong value ends
 * them at once, with one line per wrong variable (never a secret's value), instead of a first
 * request or a first query failing on it later.
 */

export interface ListenSettings {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const DEFAULT_PORT = 3000;
const DEFAULT_HOST = "127.0.0.1";

/** The service's configuration (core's, as every function reads it) and `pnpm start`'s PORT and HOST. */
export function startSettings(env: NodeJS.ProcessEnv = process.env): ListenSettings {
  const issues = [...serviceConfigurationIssues(env), ...listenIssues(env)];
  if (issues.length > 0) throw new ConfigurationError(issues);
  return { port: Number(env.PORT?.trim() || DEFAULT_PORT), host: env.HOST?.trim() || DEFAULT_HOST };
}

/** What is wrong with the service's configuration in `env`: nothing, or one issue per variable. */
export function serviceConfigurationIssues(env: NodeJS.ProcessEnv = process.env): readonly ConfigurationIssue[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues;
    throw error;
  }
}

function listenIssues(env: NodeJS.ProcessEnv): ConfigurationIssue[] {
  const issues: ConfigurationIssue[] = [];
  const { PORT: port, HOST: host } = env;
  if (port !== undefined) {
    const problem =
      port.trim() === ""
        ? "empty"
        : !/^\s*\d+\s*$/.test(port)
          ? "not a whole number"
          : Number(port) > 65_535
            ? "too large"
            : undefined;
    if (problem) {
      issues.push({
        variable: "PORT",
        value: port,
        secret: false,
        problem,
        expected: `a port number from 0 to 65535, 0 for any free port (default ${DEFAULT_PORT})`,
      });
    }
  }
  // A name or an IPv4 or IPv6 address, as `server.listen` takes it (no brackets, no port, no scheme).
  if (host !== undefined && !/^\s*([A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)\s*$/.test(host)) {
    issues.push({
      variable: "HOST",
      value: host,
      secret: false,
      problem: host.trim() === "" ? "empty" : "not a host name or IP address",
      expected: `a host name or IP address to listen on, without scheme or port (default ${DEFAULT_HOST})`,
    });
  }
  return issues;
}

/**
 * Runs `check`; if the configuration is wrong, prints one line per wrong variable to stderr and
 * ends the process with exit code 2 before anything else happens.
 */
export function exitIfMisconfigured<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ConfigurationError) || error.issues.length === 0) throw error;
    for (const issue of error.issues) console.error(describeConfigurationIssue(issue));
    process.exit(2);
  }
}
