import { parseArgs } from "node:util";
import { checkInvariants, closeDatabase, parseConfig, reconcile } from "@org-service/core";
import { exitIfMisconfigured } from "./settings";

/**
 * `pnpm reconcile [--grace SECONDS] [--check]`: repairs operations that crashed requests left
 * unfinished, in the database MONGODB_URI names, as the scheduled function does when deployed.
 * `--check` then verifies the invariants and exits 1 if any is broken.
 */
const { values } = parseArgs({
  options: {
    grace: { type: "string" },
    check: { type: "boolean", default: false },
  },
});

// The whole configuration first: a wrong value ends the command here, before it connects.
exitIfMisconfigured(() => parseConfig(process.env));
if (!process.env.MONGODB_URI) {
  console.error(
    "Set MONGODB_URI to the database to reconcile (an embedded database lives only as long as `pnpm start`).",
  );
  process.exit(2);
}
const graceSeconds = values.grace === undefined ? undefined : Number(values.grace);
if (graceSeconds !== undefined && !(Number.isInteger(graceSeconds) && graceSeconds >= 0)) {
  console.error("--grace takes a whole number of seconds");
  process.exit(2);
}

try {
  const report = await reconcile(graceSeconds === undefined ? {} : { graceSeconds });
  console.log(JSON.stringify(report));
  if (values.check) {
    const problems = await checkInvariants();
    for (const problem of problems) console.error(`invariant broken: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  }
} finally {
  await closeDatabase();
}
