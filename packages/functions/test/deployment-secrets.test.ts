import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { secretsFor } from "../src/deployment/secret-names";
import { applySecrets, boundSecretNames, loadDeployedSecrets, resetDeployedSecrets } from "../src/deployment/secrets";

const ssm = vi.hoisted(() => ({
  imported: 0,
  values: {} as Record<string, string>,
  /** What SST's loader saw bound when it was imported. */
  boundAtImport: [] as string[],
  /** SSM's parameters, by path, for the secrets the loader reads itself. */
  parameters: {} as Record<string, string>,
  requested: [] as string[][],
}));

// Stand in for SST's SSM-backed client and for SSM: the real ones would call AWS.
vi.mock("sst/node/config", () => {
  ssm.imported += 1;
  ssm.boundAtImport = Object.keys(process.env).filter((name) => name.startsWith("SST_Secret_value_"));
  return { Config: ssm.values };
});
vi.mock("@aws-sdk/client-ssm", () => ({
  GetParametersCommand: class {
    constructor(readonly input: { Names: string[] }) {}
  },
  SSMClient: class {
    async send(command: { input: { Names: string[] } }) {
      ssm.requested.push(command.input.Names);
      return {
        Parameters: command.input.Names.filter((name) => name in ssm.parameters).map((name) => ({
          Name: name,
          Value: ssm.parameters[name],
        })),
        InvalidParameters: command.input.Names.filter((name) => !(name in ssm.parameters)),
      };
    }
  },
}));

const NAMES = ["MONGODB_URI", "TENANT_CELLS", "JWT_PRIVATE_KEY", "JWT_PREVIOUS_KEY"];
const touched = [...NAMES, ...NAMES.map((name) => `SST_Secret_value_${name}`), "SST_APP", "SST_SSM_PREFIX"];
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
  for (const name of touched) delete process.env[name];
  process.env.SST_APP = "org-service";
  process.env.SST_SSM_PREFIX = "/sst/org-service/pr-1/";
  ssm.parameters = {};
  ssm.requested = [];
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
    ssm.parameters["/sst/org-service/.fallback/Secret/JWT_PREVIOUS_KEY/value"] = "none";

    await Promise.all([loadDeployedSecrets(), loadDeployedSecrets()]);
    expect(process.env.MONGODB_URI).toBe("mongodb+srv://user:pw@cluster.example.net/");
    expect(process.env.JWT_PRIVATE_KEY).toBe('{"kty":"RSA"}');
    // The documented placeholder of an optional secret means "not set".
    expect(process.env.JWT_PREVIOUS_KEY).toBeUndefined();

    delete process.env.MONGODB_URI;
    await loadDeployedSecrets();
    expect(process.env.MONGODB_URI).toBeUndefined(); // memoized: not loaded a second time
  });

  it("reads the optional secrets itself: one set nowhere is absent, and never reaches SST's loader", async () => {
    process.env.SST_Secret_value_MONGODB_URI = "__FETCH_FROM_SSM__";
    process.env.SST_Secret_value_TENANT_CELLS = "__FETCH_FROM_SSM__";
    ssm.values.MONGODB_URI = "mongodb+srv://user:pw@cluster.example.net/";

    await loadDeployedSecrets();
    expect(process.env.MONGODB_URI).toBe("mongodb+srv://user:pw@cluster.example.net/");
    expect(process.env.TENANT_CELLS).toBeUndefined(); // the one default cell
    // The stage's parameter, then the app's fallback, as SST's loader looks for a secret.
    expect(ssm.requested).toEqual([
      ["/sst/org-service/pr-1/Secret/TENANT_CELLS/value"],
      ["/sst/org-service/.fallback/Secret/TENANT_CELLS/value"],
    ]);
    // SST's loader throws at import for a bound secret set nowhere: it never saw this one bound.
    expect(ssm.boundAtImport).not.toContain("SST_Secret_value_TENANT_CELLS");
    expect(process.env.SST_Secret_value_TENANT_CELLS).toBe("__FETCH_FROM_SSM__");
  });

  it("takes an optional secret from the stage, else from the app's fallback", async () => {
    process.env.SST_Secret_value_TENANT_CELLS = "__FETCH_FROM_SSM__";
    process.env.SST_Secret_value_JWT_PREVIOUS_KEY = "__FETCH_FROM_SSM__";
    ssm.parameters["/sst/org-service/pr-1/Secret/TENANT_CELLS/value"] = '[{"name":"eu-1"}]';
    ssm.parameters["/sst/org-service/.fallback/Secret/TENANT_CELLS/value"] = "none";
    ssm.parameters["/sst/org-service/.fallback/Secret/JWT_PREVIOUS_KEY/value"] = "-----BEGIN PUBLIC KEY-----";

    await loadDeployedSecrets();
    expect(process.env.TENANT_CELLS).toBe('[{"name":"eu-1"}]');
    expect(process.env.JWT_PREVIOUS_KEY).toBe("-----BEGIN PUBLIC KEY-----");
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
    expect(secretsFor(["database"])).toEqual(["MONGODB_URI", "TENANT_CELLS"]);
    expect(secretsFor(["signing-key", "database"])).toEqual([
      "MONGODB_URI",
      "TENANT_CELLS",
      "JWT_PRIVATE_KEY",
      "JWT_PREVIOUS_KEY",
    ]);
  });
});
