/**
 * The HTTP API: one API Gateway route and one Lambda function per entry of the route table.
 *
 * The service issues its own tokens and API Gateway's native JWT authorizer verifies them on the
 * `jwt` routes. API Gateway fetches `<issuer>/.well-known/openid-configuration`, follows its
 * `jwks_uri`, and accepts a token only if its `iss` and `aud` match the authorizer's. So the issuer
 * is the API's own public URL, and the login function must sign with exactly the issuer and
 * audience the authorizer holds: both are computed once, below, and handed to both.
 */
import { Lazy, RemovalPolicy } from "aws-cdk-lib";
import { HttpRoute, type CfnStage } from "aws-cdk-lib/aws-apigatewayv2";
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Api, type ApiFunctionRouteProps, type StackContext } from "sst/constructs";
import { addArchives } from "./archives";
import {
  DEFAULT_THROTTLE,
  describePermission,
  functionDefaults,
  hasOwnThrottle,
  inApiStack,
  type Permission,
  type RouteDeployment,
  routeDeployments,
} from "./functions";
import { ALLOWED_HEADERS, allowedOrigins, EXPOSED_HEADERS } from "@org-service/functions/deployment";
import { checkedFunctionEnvironment } from "./environment";
import { addEventDelivery } from "./events";
import { addReconciler } from "./reconciler";
import { createSecrets } from "./secrets";
import { addTenantMover } from "./tenant-mover";
import { databaseEnvironmentFor, logRetentionFor, removalPolicyFor } from "./stage";

/** Name of the API's JWT authorizer, as routes refer to it. */
export const JWT_AUTHORIZER = "jwt";

/**
 * The `aud` every token carries and the only audience the authorizer accepts: one per app and stage,
 * so a token issued by one stage is refused by every other, even in the same account.
 */
export const audienceFor = (app: { readonly name: string; readonly stage: string }): string =>
  `${app.name}-${app.stage}`;

/**
 * Optional custom domain (`API_DOMAIN=api.example.com`, with a Route 53 hosted zone for it in the
 * account, `API_HOSTED_ZONE` if it is not the domain's parent). It then becomes the issuer.
 */
export function customDomainFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const domainName = env.API_DOMAIN?.trim();
  if (!domainName) return undefined;
  const hostedZone = env.API_HOSTED_ZONE?.trim();
  return { domainName, ...(hostedZone ? { hostedZone } : {}) };
}

export function ApiStack({ stack, app }: StackContext) {
  const secrets = createSecrets(stack);
  const audience = audienceFor(app);
  const defaults = functionDefaults(logRetentionFor(app.stage));

  // The issuer is the API's URL, which exists only once the API does, but the authorizer and the
  // functions are created with it. A lazy token breaks the cycle: it is resolved at synthesis,
  // after construction, to CloudFormation that references the API (`https://<api id>.execute-api.
  // <region>.amazonaws.com`) or to the custom domain.
  const endpoint: { api?: Pick<Api, "url" | "customDomainUrl"> } = {};
  const issuer = Lazy.string({
    produce: () => {
      if (!endpoint.api) throw new Error("The JWT issuer was resolved before the API was created");
      return endpoint.api.customDomainUrl ?? endpoint.api.url;
    },
  });

  const customDomain = customDomainFromEnv();
  const mailFrom = process.env.MAIL_FROM?.trim() || undefined;
  // CORS from the deploy environment: API Gateway answers preflights, the functions add the
  // headers to their responses (packages/functions/src/http/cors.ts), both from the same list.
  const corsOrigins = allowedOrigins();
  // Delivery of events (infra/events.ts): every function that may append events starts the
  // dispatcher when it does, so each gets its name and the right to invoke it, and nothing more.
  const events = addEventDelivery(stack, { secrets, defaults, environment: databaseEnvironmentFor(app.stage) });
  const startsDispatcher = new PolicyStatement({
    actions: ["lambda:InvokeFunction"],
    resources: [events.dispatcher.functionArn],
  });
  const dispatcherEnvironment = { EVENTS_DISPATCHER_FUNCTION: events.dispatcher.functionName };
  const jobEnvironment = { ...databaseEnvironmentFor(app.stage), ...dispatcherEnvironment };
  // Organizations' archives (infra/archives.ts): the bucket, written by the export function alone,
  // which the archive routes start and whose archives they read.
  const archives = addArchives(stack, {
    secrets,
    defaults,
    environment: jobEnvironment,
    removalPolicy: removalPolicyFor(app.stage),
  });
  const archivesEnvironment = {
    EXPORTS_BUCKET: archives.bucket.bucketName,
    // packages/functions/src/deployment/start-export.ts
    EXPORTS_FUNCTION: archives.exporter.functionName,
  };
  const roleFor = sharedRoles(stack, startsDispatcher, (permission) => {
    switch (permission.on) {
      case "*":
        return ["*"];
      case "archive-objects":
        return [archives.bucket.arnForObjects("*")];
      case "export-function":
        return [archives.exporter.functionArn];
    }
  });
  // One log group for every route's function, with the stage's retention, rather than one per
  // function with a retention custom resource each (a resource per route): every line carries
  // `function_name` (Powertools), which is what filters one function's lines in Logs Insights.
  const logGroup = new LogGroup(stack, "ApiFunctionLogs", {
    retention: logRetentionFor(app.stage) === "three_months" ? RetentionDays.THREE_MONTHS : RetentionDays.ONE_WEEK,
    removalPolicy: removalPolicyFor(app.stage) === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  /** A route's props in the Api construct: its authorizer and scope, and its function (infra/functions.ts). */
  const routeProps = (deployment: RouteDeployment): ApiFunctionRouteProps<typeof JWT_AUTHORIZER> => ({
    authorizer: deployment.authorizer === "jwt" ? JWT_AUTHORIZER : "none",
    ...(deployment.authorizationScopes.length > 0 && {
      authorizationScopes: [...deployment.authorizationScopes],
    }),
    function: {
      handler: deployment.handler,
      memorySize: deployment.memorySize,
      timeout: deployment.timeout,
      bind: deployment.secrets.map((name) => secrets[name]),
      // Its permissions with it (sharedRoles).
      role: roleFor(deployment),
      environment: {
        // The sender of invitation mail, where the deploy environment names one (a verified SES identity).
        ...(deployment.route.needs.includes("mail") && mailFrom && { MAIL_FROM: mailFrom }),
        ...(deployment.route.needs.includes("archives") && archivesEnvironment),
      },
    },
  });
  const api = new Api(stack, "Api", {
    ...(customDomain ? { customDomain } : {}),
    cors:
      corsOrigins.length > 0
        ? {
            allowOrigins: corsOrigins,
            allowHeaders: ALLOWED_HEADERS,
            allowMethods: [...new Set(routeDeployments.map((deployment) => deployment.route.method))],
            exposeHeaders: EXPOSED_HEADERS,
            maxAge: "10 minutes",
          }
        : false,
    authorizers: {
      [JWT_AUTHORIZER]: {
        type: "jwt",
        identitySource: ["$request.header.Authorization"],
        jwt: { issuer, audience: [audience] },
      },
    },
    defaults: {
      function: {
        ...defaults,
        logRetention: undefined,
        logGroup,
        environment: checkedFunctionEnvironment({
          ...defaults.environment,
          ...databaseEnvironmentFor(app.stage),
          JWT_ISSUER: issuer,
          JWT_AUDIENCE: audience,
          ...(corsOrigins.length > 0 && { CORS_ALLOWED_ORIGINS: corsOrigins.join(",") }),
          ...dispatcherEnvironment,
        }),
      },
      throttle: { rate: DEFAULT_THROTTLE.rate, burst: DEFAULT_THROTTLE.burst },
    },
    routes: Object.fromEntries(
      routeDeployments.filter(inApiStack).map((deployment) => [deployment.key, routeProps(deployment)]),
    ),
  });

  endpoint.api = api;
  limitRoutes(api);
  // The reconciler marks archives past their retention expired (the bucket's rule removes them: it
  // needs the bucket's name, and no right on it).
  const reconciler = addReconciler(stack, {
    secrets,
    defaults,
    environment: { ...jobEnvironment, EXPORTS_BUCKET: archives.bucket.bucketName },
  });
  const tenantMover = addTenantMover(stack, { secrets, defaults, environment: jobEnvironment });
  // The reconciler appends the events of changes a crash left; a move appends `tenant.moved`; an
  // export `export.completed`.
  reconciler.jobFunction.attachPermissions([startsDispatcher]);
  tenantMover.attachPermissions([startsDispatcher]);
  archives.exporter.attachPermissions([startsDispatcher]);

  stack.addOutputs({
    ApiEndpoint: api.customDomainUrl ?? api.url,
    JwtIssuer: issuer,
    JwtAudience: audience,
    // For `aws lambda invoke --function-name <this>`: moving a tenant (docs/cells-and-moves.md, "Moving a tenant between cells and tiers").
    TenantMoverFunction: tenantMover.functionName,
    // What AWS consumers subscribe to with rules: source `org-service`, detail-type the event's type.
    EventBusName: events.bus.eventBusName,
    EventBusArn: events.bus.eventBusArn,
    ExportsBucketName: archives.bucket.bucketName,
  });
  return { api, issuer, audience, reconciler, tenantMover, events, archives, routeProps };
}

/**
 * One IAM role per set of what functions may reach (the secrets bound to them and their extra
 * permissions), shared by every function with that set, instead of a role and a policy per
 * function: each function still gets exactly its set and nothing more, and the stack stays well
 * under CloudFormation's 500 resources as routes are added (a role and a policy per function took
 * two of the eight resources each route costs; `sst dev`'s stack, with an invoke configuration
 * per function, passed 500 at 62 routes). The role is granted the permissions when it is made
 * (`resourcesOf` says what each applies to); SST adds the secrets' when it binds them.
 */
function sharedRoles(
  stack: StackContext["stack"],
  everyRole: PolicyStatement,
  resourcesOf: (permission: Permission) => string[],
): (deployment: RouteDeployment) => Role {
  const roles = new Map<string, Role>();
  return (deployment) => {
    const permissions = deployment.permissions.map(describePermission).sort();
    const key = JSON.stringify([[...deployment.secrets].sort(), permissions]);
    let role = roles.get(key);
    if (!role) {
      role = new Role(stack, `FunctionRole${roles.size}`, {
        assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole")],
        description: `Functions that may reach: ${[...deployment.secrets, ...permissions].join(", ") || "nothing but their logs"}`,
      });
      role.addToPolicy(everyRole);
      for (const permission of deployment.permissions) {
        role.addToPolicy(new PolicyStatement({ actions: [...permission.actions], resources: resourcesOf(permission) }));
      }
      roles.set(key, role);
    }
    return role;
  };
}

/**
 * Route-level throttling on the default stage, for the routes that need a tighter limit than the
 * stage-wide default (`defaults.throttle`). A route's settings replace the default ones entirely,
 * so both limits are always set. The stage must be created after the routes it names, or
 * CloudFormation rejects it.
 */
function limitRoutes(api: Pick<Api, "cdk" | "node">): void {
  const stage = api.cdk.httpApi.defaultStage;
  if (!stage) throw new Error("The HTTP API has no default stage");
  const cfnStage = stage.node.defaultChild as CfnStage;
  const limited = routeDeployments.filter(hasOwnThrottle);
  // The stage is created after the routes it limits, which must be in its stack.
  const elsewhere = limited.filter((deployment) => !inApiStack(deployment));
  if (elsewhere.length > 0) {
    throw new Error(
      `Routes of the events and identity stacks cannot have throttles of their own: ${elsewhere.map((d) => d.key).join(", ")}`,
    );
  }
  cfnStage.routeSettings = Object.fromEntries(
    limited.map(({ key, throttle }) => [
      key,
      { ThrottlingBurstLimit: throttle.burst, ThrottlingRateLimit: throttle.rate },
    ]),
  );
  for (const child of api.node.findAll()) {
    if (child instanceof HttpRoute) stage.node.addDependency(child);
  }
}
