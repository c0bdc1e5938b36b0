import { useIsolatedDatabases, database } from "@org-service/core/testing";
import { ObjectId } from "mongodb";
import { afterAll, expect, inject, it, vi } from "vitest";
import { handler } from "../src/jobs/reconcile";

// Before the logger is created: this file reads its INFO line (the project's config says WARN).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
});

const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());

it("the scheduled function undoes what a crash left, and logs what it repaired as one JSON line", async () => {
  const db = await database();
  const longAgo = new Date(Date.now() - 3_600_000);
  const id = new ObjectId();
  await db.organizations.insertOne({
    _id: id,
    admin_id: new ObjectId(),
    name: "Interrupted",
    slug: "interrupted",
    collection_name: "org_interrupted",
    created_at: longAgo,
    updated_at: longAgo,
    pending: { op: "create", started_at: longAgo },
  });

  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array) => {
    lines.push(
      ...chunk
        .toString()
        .split("\n")
        .filter((line) => line.startsWith("{")),
    );
    return true;
  }) as typeof process.stdout.write);
  try {
    expect(await handler()).toMatchObject({ createsUndone: 1 });
  } finally {
    spy.mockRestore();
  }
  expect(await db.organizations.countDocuments({ _id: id })).toBe(0);
  expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
    expect.objectContaining({ level: "INFO", message: "reconciled", createsUndone: 1 }),
  );
});
