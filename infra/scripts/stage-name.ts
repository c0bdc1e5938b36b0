/**
 * Prints the SST stage for a git branch: `pnpm exec tsx infra/scripts/stage-name.ts <branch>`.
 * The default branch deploys to `production`; any other branch to a stage named after it.
 */
import { stageForBranch } from "../stage";

const [branch, defaultBranch = "main"] = process.argv.slice(2);
if (!branch) {
  console.error("usage: stage-name.ts <branch> [default-branch]");
  process.exit(2);
}
console.log(branch === defaultBranch ? "production" : stageForBranch(branch));
