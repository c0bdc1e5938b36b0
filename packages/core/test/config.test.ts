import { describe, expect, it } from "vitest";
import { ConfigurationError, describeConfigurationIssue, parseConfig, SECRET_VARIABLES } from "../src";

/** The issues parseConfig reports for `env`, or [] when it accepts it. */
function issuesOf(env: Record<string, string>) {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues;
  }
}

describe("parseConfig", () => {
  it("takes the defaults from an empty environment", () => {
    expect(parseConfig({})).toMatchObject({
      masterDbName: "org_master",
      bcryptCost: 12,
      loginThrottle: { maxPerEmail: 5, maxPerIp: 20, windowSeconds: 900 },
      jwt: { issuer: "http://127.0.0.1:3000", audience: "org-service", ttlSeconds: 900 },
    });
  });

  it("accepts what a deployment sets", () => {
    expect(
      parseConfig({
        MONGODB_URI: "mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true&w=majority",
        MONGODB_MASTER_DB: "pr-42_master",
        JWT_ISSUER: "https://abc123.execute-api.eu-west-1.amazonaws.com/",
        JWT_AUDIENCE: "org-service-pr-42",
        JWT_PRIVATE_KEY: '{"kty":"RSA","n":"…","e":"AQAB","d":"…"}',
        JWT_PREVIOUS_KEY: "-----BEGIN PUBLIC KEY-----\nMIIB…\n-----END PUBLIC KEY-----\n",
        CORS_ALLOWED_ORIGINS: "https://app.example.com, https://*.example.org,http://localhost:5173",
        POWERTOOLS_LOG_LEVEL: "WARN",
        LOGIN_MAX_FAILURES_PER_IP: "10000",
      }),
    ).toMatchObject({ jwt: { issuer: "https://abc123.execute-api.eu-west-1.amazonaws.com" } });
  });

  it.each([
    ["LOGIN_MAX_FAILURES_PER_IP", "1000000", "too large", "a whole number from 1 to 10000 (default 20)"],
    ["LOGIN_MAX_FAILURES_PER_EMAIL", "0", "too small", "a whole number from 1 to 1000 (default 5)"],
    ["BCRYPT_COST", "", "empty", "a whole number from 4 to 15 (default 12)"],
    ["BCRYPT_COST", "twelve", "not a whole number", "a whole number from 4 to 15 (default 12)"],
    ["JWT_TTL_SECONDS", "1e3", "not a whole number", "a whole number from 60 to 86400 (default 900)"],
    ["RECONCILE_GRACE_SECONDS", "-1", "too small", "a whole number from 0 to 86400 (default 120)"],
    ["MONGODB_MASTER_DB", "org.master", "malformed", '1–38 letters, digits, "_" or "-" (default org_master)'],
    ["JWT_ISSUER", "api.example.com", "not an http(s) URL", expect.stringContaining("https://")],
    ["JWT_AUDIENCE", "org service", "contains spaces", expect.any(String)],
    [
      "CORS_ALLOWED_ORIGINS",
      "https://app.example.com/",
      '"https://app.example.com/" is not an origin',
      expect.any(String),
    ],
    ["POWERTOOLS_LOG_LEVEL", "debug", "not a log level", expect.stringContaining("DEBUG")],
    [
      "APP_URL",
      "app.example.com",
      "not an http(s) URL",
      expect.stringContaining("default: PUBLIC_URL, else JWT_ISSUER"),
    ],
    ["APP_URL", "ftp://app.example.com", "not an http(s) URL", expect.any(String)],
    ["APP_URL", "https://app.example.com/?tab=1", "has a query or a fragment", expect.any(String)],
    ["PUBLIC_URL", "https://app.example.com/#home", "has a query or a fragment", expect.stringContaining("APP_URL")],
    ["PRODUCT_NAME", "", "empty", "1–64 printable characters, the service's name in its mail (default org-service)"],
    ["PRODUCT_NAME", "Acme\r\nBcc: x@evil.example", "holds a control or invisible character", expect.any(String)],
    ["PRODUCT_NAME", "Acme\u200bCloud", "holds a control or invisible character", expect.any(String)],
    ["PRODUCT_NAME", "x".repeat(65), "longer than 64 characters", expect.any(String)],
  ])("%s=%j: %s", (variable, value, problem, expected) => {
    const issues = issuesOf({ [variable]: value });
    expect(issues).toEqual([{ variable, value, problem, expected, secret: false }]);
    expect(describeConfigurationIssue(issues[0]!)).toBe(
      `${variable}=${JSON.stringify(value)}: ${problem}; expected ${issues[0]!.expected}`,
    );
  });

  it("names every wrong variable once, in one error", () => {
    const env = { LOGIN_MAX_FAILURES_PER_IP: "1000000", BCRYPT_COST: "99", JWT_TTL_SECONDS: "5" };
    expect(() => parseConfig(env)).toThrow(
      'Invalid configuration: BCRYPT_COST="99": too large; expected a whole number from 4 to 15 (default 12); ' +
        'JWT_TTL_SECONDS="5": too small; expected a whole number from 60 to 86400 (default 900); ' +
        'LOGIN_MAX_FAILURES_PER_IP="1000000": too large; expected a whole number from 1 to 10000 (default 20)',
    );
  });

  it("never repeats a secret's value", () => {
    const env = {
      MONGODB_URI: "postgres://admin:hunter2@db.example.com",
      JWT_PRIVATE_KEY: "hunter2-key",
      JWT_PREVIOUS_KEY: "",
      SSO_ENCRYPTION_KEY: "hunter2-sealing-key",
    };
    const issues = issuesOf(env);
    expect(issues.map((issue) => [issue.variable, issue.problem])).toEqual([
      ["MONGODB_URI", "not a MongoDB connection string"],
      ["JWT_PRIVATE_KEY", "not a key"],
      ["JWT_PREVIOUS_KEY", "empty"],
      ["SSO_ENCRYPTION_KEY", "not 32 bytes in base64url"],
    ]);
    expect(SECRET_VARIABLES).toEqual([
      "MONGODB_URI",
      "TENANT_CELLS",
      "JWT_PRIVATE_KEY",
      "JWT_PREVIOUS_KEY",
      "SSO_ENCRYPTION_KEY",
      "SMTP_URL",
    ]);
    const said = `${JSON.stringify(issues)}\n${issues.map(describeConfigurationIssue).join("\n")}`;
    expect(said).not.toContain("hunter2");
    expect(describeConfigurationIssue(issues[0]!)).toBe(
      'MONGODB_URI (secret, value not shown): not a MongoDB connection string; expected a connection string whose scheme is "mongodb" or "mongodb+srv"',
    );
  });

  it("checks LOG_LEVEL only where the logger reads it: when POWERTOOLS_LOG_LEVEL is not set", () => {
    expect(issuesOf({ LOG_LEVEL: "verbose" }).map((issue) => issue.variable)).toEqual(["LOG_LEVEL"]);
    expect(issuesOf({ LOG_LEVEL: "verbose", POWERTOOLS_LOG_LEVEL: "ERROR" })).toEqual([]);
    expect(issuesOf({ POWERTOOLS_LOG_LEVEL: "" })).toEqual([]);
  });
});

describe("TENANT_CELLS", () => {
  const cell = (name: string, database = "org_tenants", uri = "mongodb://db.example/") => ({
    name,
    uri,
    database,
    max_namespaces: 5_000,
  });
  const problemWith = (value: unknown) => {
    try {
      parseConfig({ TENANT_CELLS: typeof value === "string" ? value : JSON.stringify(value) });
      return undefined;
    } catch (error) {
      return describeConfigurationIssue((error as ConfigurationError).issues[0]!);
    }
  };

  it("is one default cell of MONGODB_URI and MONGODB_TENANT_DB when unset, without a budget", () => {
    expect(parseConfig({ MONGODB_URI: "mongodb://db.example/", MONGODB_TENANT_DB: "t" }).cells).toEqual([
      { name: "default", uri: "mongodb://db.example/", database: "t", maxNamespaces: undefined },
    ]);
  });

  it("takes a list of cells, in order", () => {
    const { cells } = parseConfig({ TENANT_CELLS: JSON.stringify([cell("eu-1"), cell("eu-2", "other")]) });
    expect(cells.map((listed) => [listed.name, listed.database, listed.maxNamespaces])).toEqual([
      ["eu-1", "org_tenants", 5_000],
      ["eu-2", "other", 5_000],
    ]);
  });

  it("refuses what is not a list of well-formed, distinct cells, never repeating a connection string", () => {
    const cases: [unknown, string][] = [
      ["not json", "not JSON"],
      [[], "not a list of one to 64 cells"],
      [[{ ...cell("eu-1"), max_namespaces: -1 }], '"max_namespaces" must be a whole number'],
      [[{ ...cell("eu-1"), uri: "postgres://x" }], '"uri" is not a MongoDB connection string'],
      [[{ ...cell("eu-1"), extra: 1 }], "and nothing else"],
      [[cell("eu-1"), cell("eu-1", "other")], 'the name "eu-1" is given to two cells'],
      [[cell("eu-1"), cell("eu-2")], "cells 1 and 2 name the same database on the same deployment"],
    ];
    for (const [value, message] of cases) {
      const said = problemWith(value);
      expect(said, JSON.stringify(value)).toContain(message);
      expect(said).toContain("TENANT_CELLS (secret, value not shown)");
      expect(said).not.toContain("db.example");
    }
  });
});

describe("APP_URL and PRODUCT_NAME, what mail is made of", () => {
  it("default to the issuer, without its trailing slash, and to org-service", () => {
    expect(parseConfig({ JWT_ISSUER: "https://api.example.com/" }).messages).toEqual({
      appUrl: "https://api.example.com",
      productName: "org-service",
    });
    expect(parseConfig({}).messages.appUrl).toBe("http://127.0.0.1:3000");
  });

  it("read PUBLIC_URL, APP_URL's older name, when APP_URL is unset; APP_URL wins over it", () => {
    const issuer = { JWT_ISSUER: "https://api.example.com" };
    expect(parseConfig({ ...issuer, PUBLIC_URL: "https://old.example.com/app/" }).messages.appUrl).toBe(
      "https://old.example.com/app",
    );
    const both = parseConfig({ ...issuer, PUBLIC_URL: "https://old.example.com", APP_URL: "https://app.example.com/" });
    expect(both.messages.appUrl).toBe("https://app.example.com");
    // The invitations' older name for the same base stays equal to it.
    expect(both.invitations.publicUrl).toBe("https://app.example.com");
  });

  it("take a name of up to 64 characters, in any script, counted as characters", () => {
    expect(parseConfig({ PRODUCT_NAME: "Acme Cloud — Équipes" }).messages.productName).toBe("Acme Cloud — Équipes");
    // 64 characters, 128 UTF-16 code units.
    expect(parseConfig({ PRODUCT_NAME: "🏢".repeat(64) }).messages.productName).toHaveLength(128);
    expect(parseConfig({ PRODUCT_NAME: "  Acme  " }).messages.productName).toBe("Acme");
  });
});
