import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { generateSchema, SCHEMA_FILE } from "../generate-schema";

/**
 * The checked-in types are the OpenAPI document's: a route, a parameter or a schema changed in the
 * service without regenerating fails here. The whole file is compared, but only the first differing
 * line is shown — the file is hundreds of kilobytes.
 */
it("src/schema.ts is what openapi-typescript makes of the service's OpenAPI document now", async () => {
  const [checkedIn, generated] = await Promise.all([readFile(SCHEMA_FILE, "utf8"), generateSchema()]);
  if (checkedIn === generated) return;
  const have = checkedIn.split("\n");
  const want = generated.split("\n");
  const line = want.findIndex((text, index) => have[index] !== text);
  const at = line === -1 ? have.length : line;
  expect.fail(
    `packages/client/src/schema.ts is out of date with the OpenAPI document: run \`pnpm client:generate\`.\n` +
      `First difference at line ${at + 1}:\n  checked in: ${have[at] ?? "(end of file)"}\n  generated:  ${want[at] ?? "(end of file)"}`,
  );
});
