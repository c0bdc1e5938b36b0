// The package.json's `exports` point at the TypeScript sources, for the workspace; pnpm swaps in
// `publishConfig.exports` (the built dist/) when it packs. npm and yarn do not, and would publish a
// package whose entry points are not JavaScript: only pnpm may pack it.
const agent = process.env.npm_config_user_agent ?? "";
if (!agent.startsWith("pnpm/")) {
  console.error(`Pack and publish @org-service/client with pnpm (not ${agent.split(" ")[0] || "this tool"}).`);
  process.exit(1);
}
