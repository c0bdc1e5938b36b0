/**
 * The import rules of the workspace, checked by packages/core/test/layers.test.ts (part of
 * `pnpm test`), or by hand with `npx depcruise packages infra` (the CLI wants Node 22 or later;
 * the test calls the same rules through the API, which also runs on Node 20).
 *
 * 1. No cycles in core.
 * 2. Core's layers (listed, with what belongs where and why, in packages/core/src/index.ts): a
 *    module imports from its own layer (without a cycle) or from the layers below it, never above.
 * 3. Outside packages/core, core is reached through its package's entry points only
 *    (`@org-service/core`, `/testing`, `/once`, `/logger`, `/testing/mailbox`: the `exports` of
 *    packages/core/package.json), never by a path into its files.
 */

const CORE = "^packages/core/src/";

/**
 * Core's layers, lowest first: the paths under packages/core/src of each (disjoint: a folder
 * split between layers names its exceptions in both).
 */
const LAYERS = [
  {
    name: "foundations",
    paths: [
      "(errors|config|cell-config|logger|validation|context|slug|once|paging|random-secret|passwords|checkpoints|log-capture|audit-page)\\.ts$",
      "outbound/",
      "auth/permissions\\.ts$",
    ],
  },
  {
    name: "storage",
    paths: [
      "db/",
      "cells/(?!(move|list)\\.ts$)",
      "events/(?!(actor|feed)\\.ts$)",
      "mail/",
      "members/membership\\.ts$",
      "organizations/search\\.ts$",
    ],
  },
  {
    name: "records and rules",
    paths: [
      "organizations/(model|lock)\\.ts$",
      "members/visible-memberships\\.ts$",
      "audit\\.ts$",
      "policies/",
      "domains/(?!joining\\.ts$)",
      "sso/(enforcement|refusal)\\.ts$",
    ],
  },
  {
    name: "identity",
    paths: ["auth/(?!permissions\\.ts$)", "sessions/", "mfa/", "clients/", "account/", "events/actor\\.ts$"],
  },
  {
    name: "organizations and members",
    paths: [
      "organizations/(?!(model|lock|search|reconcile)\\.ts$)",
      "members/(?!(membership|visible-memberships)\\.ts$)",
      "invitations/",
      "domains/joining\\.ts$",
      "sso/(?!(enforcement|refusal)\\.ts$)",
      "webhooks/",
      "events/feed\\.ts$",
    ],
  },
  { name: "tenant data", paths: ["data/"] },
  {
    name: "operations",
    paths: ["cells/(move|list)\\.ts$", "organizations/reconcile\\.ts$", "platform/", "archives/"],
  },
  { name: "entry points", paths: ["(index|testing)\\.ts$"] },
];

const pathsOf = (layers) => `${CORE}(${layers.flatMap((layer) => layer.paths).join("|")})`;

/** Core's public surface: packages/core/package.json's `exports`. */
const CORE_ENTRY_POINTS = "^packages/core/(src/(index|testing|once|logger)\\.ts|test/support/mailbox\\.ts)$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle in core: break it at its cause (a type or constant in the module both sides import).",
      from: { path: CORE },
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map((layer, index) => ({
      name: `layer-${index}-${layer.name.replaceAll(" ", "-")}`,
      severity: "error",
      comment: `A module of core's layer "${layer.name}" imports from a layer above it (packages/core/src/index.ts lists them).`,
      from: { path: pathsOf([layer]) },
      to: { path: pathsOf(LAYERS.slice(index + 1)) },
    })),
    {
      name: "core-unlayered",
      severity: "error",
      comment:
        "A module of packages/core/src in none of core's layers: place it (LAYERS here, and the list in packages/core/src/index.ts).",
      from: { path: CORE, pathNot: pathsOf(LAYERS) },
      to: {},
    },
    {
      name: "not-to-core-internals",
      severity: "error",
      comment:
        "Outside packages/core, import core through its package (@org-service/core, /testing, /once, /logger, /testing/mailbox), not its files.",
      from: { pathNot: "^packages/core/" },
      to: { path: "^packages/core/", pathNot: CORE_ENTRY_POINTS },
    },
    {
      name: "not-to-core-by-path",
      severity: "error",
      comment: "Outside packages/core, an entry point of core is imported by its package name, not a relative path.",
      from: { pathNot: "^packages/core/" },
      to: { path: CORE_ENTRY_POINTS, dependencyTypes: ["local"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.sst|dist|cdk\\.out)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
