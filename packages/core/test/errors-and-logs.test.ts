import { ObjectId } from "mongodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { recordAudit } from "../src/audit";
import { ConflictError, InvalidCredentialsError, NotFoundError, ValidationError } from "../src";
import { captureLogLines, database, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

describe("domain errors", () => {
  it("carry their own name and the failure behind them", () => {
    const cause = new Error("E11000 duplicate key");
    const conflict = new ConflictError("taken", "email", { cause });
    expect(conflict.name).toBe("ConflictError");
    expect(conflict.cause).toBe(cause);
    expect(new ValidationError([{ path: "a", message: "b" }], { cause }).cause).toBe(cause);
    expect(new NotFoundError("gone").name).toBe("NotFoundError");
    expect(new InvalidCredentialsError().name).toBe("InvalidCredentialsError");
  });
});

describe("an audit entry that cannot be written", () => {
  it("is logged by the service's logger as one ERROR line, and the change it records still stands", async () => {
    const db = await database();
    // A real write failure: a unique index the second entry of the same action violates.
    await db.audit.createIndex({ action: 1 }, { unique: true, name: "one_per_action_for_this_test" });
    const logs = captureLogLines();
    const event = { action: "organization.create", organizationId: new ObjectId() } as const;

    try {
      await recordAudit(db, event);
      await expect(recordAudit(db, event)).resolves.toBeUndefined();
    } finally {
      logs.stop();
    }

    const errors = logs.records().filter((line) => line.level === "ERROR");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "audit entry not recorded",
      action: "organization.create",
      service: "org-service",
    });
    expect(await db.audit.countDocuments({ action: "organization.create" })).toBe(1);
  });
});
