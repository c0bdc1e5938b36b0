import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { secretsFor } from "../src/deployment/secret-names";
import { applySecrets, boundSecretNames, loadDeployedSecrets, resetDeployedSecrets } from "../src/deployment/secrets";

const ssm = vi.hoisted(() => ({ imported: 0, values: {} as Record<string, string> }));

// Stands in for SST's SSM-backed client: importing the real one would call AWS.
vi.mock("sst/node/config", () => {
  ssm.imported += 1;
  return { Config: ssm.values };
});

const NAMES = ["MONGODB_URI", "JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"];
const touched = [...NAMES, ...NAMES.map((name) => `SST_Secret_value_${name}`)];
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
  for (const name of touched) delete process.env[name];
  resetDeployedSecrets();
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("loadDeployedSecrets", () => {
  it("does nothing, and loads no AWS client, where no secret is bound", async () => {
    await loadDeployedSecrets();
    expect(ssm.imported).toBe(0);
    for (const name of NAMES) expect(process.env[name]).toBeUndefined();
  });

  it("copies the bound secrets into process.env, once per container", async () => {
    process.env.SST_Secret_value_MONGODB_URI = "__FETCH_FROM_SSM__";
    process.env.SST_Secret_value_JWT_PRIVATE_KEY = "__FETCH_FROM_SSM__";
    process.env.SST_Secret_value_JWT_PREVIOUS_KEY = "__FETCH_FROM_SSM__";
    ssm.values.MONGODB_URI = "mongodb+srv://user:pw@cluster.example.net/";
    ssm.values.JWT_PRIVATE_KEY = '{"kty":"RSA"}';
    ssm.values.JWT_PREVIOUS_KEY = "none";

    await Promise.all([loadDeployedSecrets(), loadDeployedSecrets()]);
    expect(process.env.MONGODB_URI).toBe("mongodb+srv://user:pw@cluster.example.net/");
    expect(process.env.JWT_PRIVATE_KEY).toBe('{"kty":"RSA"}');
    // The documented placeholder of an optional secret means "not set".
    expect(process.env.JWT_PREVIOUS_KEY).toBeUndefined();

    delete process.env.MONGODB_URI;
    await loadDeployedSecrets();
    expect(process.env.MONGODB_URI).toBeUndefined(); // memoized: not loaded a second time
  });
});

describe("applySecrets", () => {
  it("never overwrites a value already in the environment", () => {
    const env: Record<string, string | undefined> = { MONGODB_URI: "mongodb://override" };
    applySecrets({ MONGODB_URI: "mongodb://from-ssm", JWT_PRIVATE_KEY: "key" }, env);
    expect(env).toEqual({ MONGODB_URI: "mongodb://override", JWT_PRIVATE_KEY: "key" });
  });

  it("treats empty values and the placeholder (any case) as absent", () => {
    const env: Record<string, string | undefined> = {};
    applySecrets({ MONGODB_URI: " ", JWT_PRIVATE_KEY: "NONE", JWT_PREVIOUS_KEY: undefined }, env);
    expect(env).toEqual({});
  });
});

describe("boundSecretNames", () => {
  it("reads SST's binding variables, and only those", () => {
    expect(boundSecretNames({ SST_Secret_value_JWT_PRIVATE_KEY: "__FETCH_FROM_SSM__", MONGODB_URI: "x" })).toEqual([
      "JWT_PRIVATE_KEY",
    ]);
  });
});

describe("secretsFor", () => {
  it("maps route needs to secrets", () => {
    expect(secretsFor([])).toEqual([]);
    expect(secretsFor(["database"])).toEqual(["MONGODB_URI"]);
    expect(secretsFor(["signing-key", "database"])).toEqual(["MONGODB_URI", "JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"]);
  });
});
