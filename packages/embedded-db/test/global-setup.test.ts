import { MongoClient } from "mongodb";
import { expect, inject, it } from "vitest";

// vitest.config.ts of this package runs src/vitest-global-setup.ts, as other packages will.
it("provides a reachable database URI under `mongodbUri`", async () => {
  const uri = inject("mongodbUri");
  expect(uri).toMatch(/^mongodb:\/\//);
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
  } finally {
    await client.close();
  }
});
