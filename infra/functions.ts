/**
 * Per-route function settings, derived from the route table. Pure (no constructs): the API stack
 * builds from it and the infrastructure tests assert against it, so neither repeats a value.
 */
import type { FunctionProps, NodeJSProps } from "sst/constructs";
import {
  type Capability,
  ROUTE_DEFAULTS,
  routeKey,
  routes,
  settingsOf,
  type Route,
  type Throttle,
} from "@org-service/functions/routes";
import { secretsFor, type SecretName } from "@org-service/functions/deployment";
import { textImportPlugin } from "@org-service/functions/text-imports";
import { lazyBuiltinsPlugin } from "./lazy-builtins";
import { mongodbSourcePlugin } from "./mongodb-source";

/** Where the handler modules live, relative to the project root (where `sst` runs). */
export const FUNCTIONS_SOURCE_DIR = "packages/functions/src/handlers";
/** Where the functions that are no route live (the reconciler, the tenant mover, the export function). */
export const JOBS_SOURCE_DIR = "packages/functions/src/jobs";

/**
 * The MongoDB driver `require`s these optional packages inside try/catch for features this service
 * does not use (Kerberos/AWS/GCP auth, compression, SOCKS, client-side encryption). They are not
 * installed, so esbuild must leave them out of the bundle or it fails to resolve them.
 */
export const MONGODB_OPTIONAL_MODULES = [
  "kerberos",
  "@mongodb-js/zstd",
  "@aws-sdk/credential-providers",
  "gcp-metadata",
  "snappy",
  "socks",
  "aws4",
  "mongodb-client-encryption",
] as const;

/**
 * How every handler is bundled (SST adds entry point, `bundle`, `platform: node`, the ESM
 * `require`/`__dirname` banner and the output paths). The bundling test builds every handler
 * with this very object.
 */
export const nodejsBundling = {
  format: "esm",
  minify: true,
  // Kept next to the bundle (not uploaded apart, as SST does by default), without the sources'
  // text: the logger maps unexpected errors' stacks to the TypeScript through them when it writes
  // them (packages/functions/src/http/source-mapped-stack.ts). Node is not started with
  // --enable-source-maps, which would read and index every map on each cold start.
  sourcemap: true,
  // `loadDeployedSecrets` imports SST's SSM client dynamically: splitting puts it in its own
  // chunk, which only functions with secrets bound ever load.
  splitting: true,
  esbuild: {
    target: "node22",
    // SST keeps every function's and class's name (`keepNames`), which costs each cold start some
    // 4 ms of `__name()` calls and 4 % of the bundle. Nothing here needs them: stack traces are
    // mapped back through the source maps; errors' `name`s are literals (the driver's getters, our
    // ConfigurationError) or Error's own, not class names; `jose`'s errors, named after their
    // classes, are all caught in core; and the driver's one comparison of class names stays right,
    // as esbuild gives every class a name of its own.
    keepNames: false,
    external: [...MONGODB_OPTIONAL_MODULES],
    legalComments: "none",
    // Stacks are mapped by line and column; the sources' text would only make the maps, and so
    // the code package every cold start downloads, four times as large.
    sourcesContent: false,
    // The driver's connection-string parser gets Node's built-in WHATWG URL instead of the
    // `whatwg-url` package and its Unicode tables (~280 KB of every function). Resolved from the
    // working directory, the project root, where SST and the tests build.
    alias: { "whatwg-url": "./infra/shims/whatwg-url.cjs" },
    // `<file>?raw` imports: the dashboard's and Swagger UI's files, as text; the MongoDB driver
    // from its ES module sources rather than its CommonJS build; the built-ins the functions never
    // use loaded on first use rather than at init. Each plugin says why.
    plugins: [textImportPlugin, mongodbSourcePlugin, lazyBuiltinsPlugin],
  },
} satisfies NodeJSProps;

/** The stage-wide throttle, which every route without one of its own gets. */
export const DEFAULT_THROTTLE: Throttle = ROUTE_DEFAULTS.throttle;

/**
 * What a function's role may do beyond reading its bound secrets: IAM actions, on any resource or
 * on one of the stage's, named here and resolved by the API stack (infra/api.ts) — the objects of
 * the archive bucket, the export function (infra/archives.ts). Plain data, so that the functions
 * with the same permissions share one role (infra/api.ts, sharedRoles).
 */
export interface Permission {
  readonly actions: readonly string[];
  readonly on: "*" | "archive-objects" | "export-function";
}

/** The permissions a capability needs (its secrets are functions' SECRETS_BY_CAPABILITY). */
export const PERMISSIONS_BY_CAPABILITY = {
  database: [],
  "signing-key": [],
  "sso-key": [],
  mail: [{ actions: ["ses:SendEmail", "ses:SendRawEmail"], on: "*" }],
  // Read, never write: a download is a presigned GET made with the function's own role, a restore
  // reads the archive; an export is written by the export function, which the function starts.
  archives: [
    { actions: ["s3:GetObject"], on: "archive-objects" },
    { actions: ["lambda:InvokeFunction"], on: "export-function" },
  ],
} as const satisfies Record<Capability, readonly Permission[]>;

/** One permission as a line of text: a role's description, and the key functions share a role by. */
export const describePermission = (permission: Permission): string =>
  `${permission.actions.join("+")} on ${permission.on}`;

export interface RouteDeployment {
  readonly route: Route;
  /** API Gateway route key, e.g. `POST /admin/login`. */
  readonly key: string;
  /** SST handler: `<file without extension>.<export>`, relative to the project root. */
  readonly handler: string;
  /** `jwt`: behind the API's JWT authorizer; `none`: public. */
  readonly authorizer: "jwt" | "none";
  /** The scopes API Gateway requires of the token (a `jwt` route's one scope; none on public routes). */
  readonly authorizationScopes: readonly string[];
  /**
   * What the function's role is granted beyond its secrets: `ses:SendEmail` for the mail senders,
   * reading archives and starting the export function for the archive routes.
   */
  readonly permissions: readonly Permission[];
  /** The secrets bound to the route's function, and no others. */
  readonly secrets: readonly SecretName[];
  readonly memorySize: number;
  readonly timeout: number;
  readonly throttle: Throttle;
}

export function routeDeployment(route: Route): RouteDeployment {
  const { memoryMb, timeoutSeconds, throttle } = settingsOf(route);
  return {
    route,
    key: routeKey(route),
    handler: `${FUNCTIONS_SOURCE_DIR}/${route.handler}.handler`,
    authorizer: route.auth === "jwt" ? "jwt" : "none",
    authorizationScopes: route.scope ? [route.scope] : [],
    permissions: route.needs.flatMap((need): readonly Permission[] => PERMISSIONS_BY_CAPABILITY[need]),
    secrets: secretsFor(route.needs),
    memorySize: memoryMb,
    timeout: timeoutSeconds,
    throttle,
  };
}

export const routeDeployments: readonly RouteDeployment[] = routes.map(routeDeployment);

/**
 * The feeds and webhooks, which the events stack deploys (infra/events-stack.ts, with
 * {@link inEventsStack}). One CloudFormation stack holds at most 500 resources, and a route costs
 * about five (`sst dev`'s stubs six), so the API's routes are split along their domains.
 */
export const isEventsRoute = (route: Pick<Route, "path">): boolean =>
  /^\/(org|platform)\/(events|webhooks)(\/|$)/.test(route.path);

/**
 * The identity routes: single sign-on, verified domains and joining by them, and the organization's
 * security policies. The identity stack deploys them ({@link inIdentityStack}).
 */
export const isIdentityRoute = (route: Pick<Route, "path">): boolean =>
  /^\/(org\/(sso|domains|join-requests|policies)|auth\/sso|me\/joinable-organizations)(\/|$)/.test(route.path);

/** A route with a throttle of its own, which the API stack's stage holds (infra/api.ts, limitRoutes). */
export const hasOwnThrottle = ({ throttle }: Pick<RouteDeployment, "throttle">): boolean =>
  throttle.rate !== DEFAULT_THROTTLE.rate || throttle.burst !== DEFAULT_THROTTLE.burst;

/**
 * Whether the events stack deploys a route: the feeds and webhooks ({@link isEventsRoute}), and the
 * archive routes that have no throttle of their own (listing and reading exports), which did not
 * fit the API stack with room to spare (infra/test/dev.test.ts). The throttled archive routes
 * (starting an export, a restore) stay in the API stack: a route's throttle is a setting of the
 * API stack's stage, which CloudFormation must create after the routes it names.
 */
export const inEventsStack = (deployment: Pick<RouteDeployment, "route" | "throttle">): boolean =>
  isEventsRoute(deployment.route) || (deployment.route.needs.includes("archives") && !hasOwnThrottle(deployment));

/**
 * Whether the identity stack deploys a route: the identity routes ({@link isIdentityRoute}) without
 * a throttle of their own — a throttled one stays in the API stack, whose stage holds the throttles
 * and must be created after the routes it names.
 */
export const inIdentityStack = (deployment: Pick<RouteDeployment, "route" | "throttle">): boolean =>
  isIdentityRoute(deployment.route) && !hasOwnThrottle(deployment);

/** Whether the API stack itself deploys a route: neither the events stack nor the identity stack does. */
export const inApiStack = (deployment: Pick<RouteDeployment, "route" | "throttle">): boolean =>
  !inEventsStack(deployment) && !inIdentityStack(deployment);

/** Settings every function shares (the per-route ones above are added on top). */
export function functionDefaults(logRetention: FunctionProps["logRetention"]): FunctionProps {
  return {
    runtime: "nodejs22.x",
    // Graviton: ~20% cheaper per GB-second than x86 and as fast for this workload.
    architecture: "arm_64",
    nodejs: nodejsBundling,
    logRetention,
  };
}
