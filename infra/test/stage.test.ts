import { parseConfig } from "@org-service/core";
import { describe, expect, it } from "vitest";
import { databaseEnvironmentFor, isProductionStage, removalPolicyFor, stageForBranch } from "../stage";

describe("stageForBranch", () => {
  it.each([
    ["feature/Add-login", "feature-add-login"],
    ["renovate/mongodb-7.x", "renovate-mongodb-7-x"],
    ["123-fix", "fix"],
    ["__", "branch"],
    ["production", "branch-production"],
    ["prod", "branch-prod"],
    ["a-very-long-branch-name-that-goes-on-and-on", "a-very-long-branch-name"],
  ])("%s → %s", (branch, stage) => {
    expect(stageForBranch(branch)).toBe(stage);
    expect(stage).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(isProductionStage(stage)).toBe(false);
  });
});

describe("stage policy", () => {
  it("retains production only", () => {
    expect(removalPolicyFor("production")).toBe("retain");
    expect(removalPolicyFor("prod")).toBe("retain");
    expect(removalPolicyFor("pr-1")).toBe("destroy");
  });

  it("keeps database names within core's limits", () => {
    const { MONGODB_MASTER_DB, MONGODB_TENANT_DB } = databaseEnvironmentFor("x".repeat(60));
    for (const name of [MONGODB_MASTER_DB, MONGODB_TENANT_DB]) expect(name).toMatch(/^[A-Za-z0-9_-]{1,38}$/);
    for (const stage of ["x".repeat(60), "pr-42", stageForBranch("feature/Ünïcode & spaces")]) {
      expect(() => parseConfig(databaseEnvironmentFor(stage))).not.toThrow();
    }
    expect(databaseEnvironmentFor("production")).toEqual({});
  });
});
