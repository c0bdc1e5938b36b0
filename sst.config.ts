import type { SSTConfig } from "sst";
import { ApiStack } from "./infra/api";
import { EventsStack } from "./infra/events-stack";
import { IdentityStack } from "./infra/identity-stack";
import { applyRemovalPolicy } from "./infra/stage";

export default {
  config(input) {
    return {
      name: "org-service",
      // `--region` wins; then the usual AWS variables; then us-east-1.
      region: input.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    };
  },
  stacks(app) {
    // Every resource retains on the production stage(s) and is destroyed with any other stage.
    applyRemovalPolicy(app);
    app.stack(ApiStack, { id: "api" });
    // The feeds and webhook routes on the same API: a stack holds at most 500 resources.
    app.stack(EventsStack, { id: "events" });
    // Single sign-on, verified domains and the organizations' policies, on the same API.
    app.stack(IdentityStack, { id: "identity" });
  },
} satisfies SSTConfig;
