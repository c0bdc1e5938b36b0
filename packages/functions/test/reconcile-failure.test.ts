import { afterEach, expect, it, vi } from "vitest";
import { handler } from "../src/jobs/reconcile";

// The repair itself fails (here: as if the database refused), whatever the data.
vi.mock("@org-service/core", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@org-service/core")>()),
  reconcile: async () => {
    throw new Error("connection to mongodb://admin:s3cret@db.example.net:27017 refused");
  },
}));

afterEach(() => vi.restoreAllMocks());

it("a failed run is logged as one scrubbed ERROR line with its stack, and still fails the invocation", async () => {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(
        ...chunk
          .toString()
          .split("\n")
          .filter((line) => line.startsWith("{")),
      );
      return true;
    }) as typeof stream.write);
  }
  await expect(handler()).rejects.toThrow(/refused/);
  const errors = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.level === "ERROR");
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({
    message: "unexpected error",
    error: { name: "Error", stack: expect.stringContaining("reconcile-failure.test.ts") },
  });
  expect(lines.join("\n")).not.toContain("s3cret");
});
