import { ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, inject, it, vi } from "vitest";
import { recordAudit } from "../src/audit";
import { ConflictError, InvalidCredentialsError, NotFoundError, ValidationError } from "../src";
import { database, useIsolatedDatabases } from "../src/testing";

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => vi.restoreAllMocks());

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
    const written: string[] = [];
    // Lambda sends stdout and stderr alike to CloudWatch; the logger writes errors to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      }) as typeof stream.write);
    }
    const event = { action: "organization.create", organizationId: new ObjectId() } as const;

    await recordAudit(db, event);
    await expect(recordAudit(db, event)).resolves.toBeUndefined();

    const errors = written
      .flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === "ERROR");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "audit entry not recorded",
      action: "organization.create",
      service: "org-service",
    });
    expect(await db.audit.countDocuments({ action: "organization.create" })).toBe(1);
  });
});
