import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    // No database and no server: the end-to-end tests of the client are local's, against `pnpm start`'s server.
  },
});
