import { onEventsAppended } from "@org-service/core";

/** Set by the stack on every function that may append events: the dispatcher to start. */
export const DISPATCHER_VARIABLE = "EVENTS_DISPATCHER_FUNCTION";

/**
 * Deployed, a function that appended events starts the dispatcher function at once (an
 * asynchronous invoke: the response waits for Lambda to accept it, never for the delivery), so a
 * change reaches its receivers within a second instead of the next scheduled pass. The Lambda
 * client is loaded on the first append only. Without the variable (the local server, which runs
 * its own dispatcher; tests) nothing is set.
 */
export function startDispatcherOnAppend(env: NodeJS.ProcessEnv = process.env): void {
  const functionName = env[DISPATCHER_VARIABLE];
  if (!functionName) return;
  let client: Promise<{ invoke(): Promise<unknown> }> | undefined;
  onEventsAppended(async () => {
    client ??= import("@aws-sdk/client-lambda").then(({ LambdaClient, InvokeCommand }) => {
      const lambda = new LambdaClient({});
      return {
        invoke: () => lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: "Event" })),
      };
    });
    await (await client).invoke();
  });
}
