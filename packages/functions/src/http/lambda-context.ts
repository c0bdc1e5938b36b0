import type { Context } from "aws-lambda";

/**
 * The contexts of invocations that run beside others in one process (the local server), unlike a
 * Lambda container, which serves one at a time: state shared by the process, such as the logger's
 * Lambda context, would belong to whichever invocation set it last (logging.ts).
 */
const concurrentInvocations = new WeakSet<Context>();

export function isConcurrentInvocation(context: Context): boolean {
  return concurrentInvocations.has(context);
}

/** A Lambda invocation context with the fields handlers and middlewares read: for the local server and tests. */
export function lambdaContext(
  functionName: string,
  requestId: string,
  timeoutMs = 10_000,
  { concurrent = false }: { readonly concurrent?: boolean } = {},
): Context {
  const deadline = Date.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  if (concurrent) concurrentInvocations.add(context);
  return context;
}
