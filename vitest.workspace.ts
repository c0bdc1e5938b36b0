// Every package with tests has a vitest.config.ts (the dashboard's page is tested from local's).
export default ["packages/*/vitest.config.ts", "infra"];
