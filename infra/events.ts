/**
 * Events' delivery: the stage's EventBridge bus, and the dispatcher function that puts every event
 * on it and delivers webhooks — started by any function that appended events (an asynchronous
 * invoke) and every minute for retries that fell due. Only the dispatcher may `events:PutEvents`,
 * on this bus alone.
 */
import { Duration } from "aws-cdk-lib";
import { EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Function as SstFunction, type FunctionProps, type Stack } from "sst/constructs";
import { JOBS_SOURCE_DIR } from "./functions";
import type { Secrets } from "./secrets";

export const DISPATCHER_HANDLER = `${JOBS_SOURCE_DIR}/dispatch-events.handler`;
/** The scheduled pass: retries fall due from 5 s on, and a crash's leftovers wait at most this. */
export const DISPATCH_SCHEDULE = Duration.minutes(1);
/** A pass attempts up to 500 deliveries, 16 at once, each bounded by 10 s. */
export const DISPATCHER_TIMEOUT_SECONDS = 120;

export interface EventDelivery {
  readonly bus: EventBus;
  readonly dispatcher: SstFunction;
}

export function addEventDelivery(
  stack: Stack,
  options: { secrets: Secrets; defaults: FunctionProps; environment: Record<string, string> },
): EventDelivery {
  const bus = new EventBus(stack, "EventBus", { eventBusName: `${stack.stackName}-events` });
  const dispatcher = new SstFunction(stack, "EventDispatcher", {
    ...options.defaults,
    handler: DISPATCHER_HANDLER,
    memorySize: 512,
    timeout: DISPATCHER_TIMEOUT_SECONDS,
    environment: { ...options.defaults.environment, ...options.environment, EVENT_BUS_NAME: bus.eventBusName },
    bind: [options.secrets.MONGODB_URI, options.secrets.TENANT_CELLS],
  });
  bus.grantPutEventsTo(dispatcher);
  new Rule(stack, "EventDispatchSchedule", {
    schedule: Schedule.rate(DISPATCH_SCHEDULE),
    targets: [new LambdaFunction(dispatcher)],
  });
  return { bus, dispatcher };
}
