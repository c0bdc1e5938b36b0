import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "embedded-db",
    include: ["test/**/*.test.ts"],
    // Dogfooding: global-setup.test.ts checks what this provides.
    globalSetup: ["./src/vitest-global-setup.ts"],
    // Generous: the very first run on a machine may have to compile FerretDB (a minute or two).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
