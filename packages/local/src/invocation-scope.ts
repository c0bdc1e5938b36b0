import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store";

/**
 * The local server runs many invocations at once in one process, as Lambda Managed Instances do
 * with `AWS_LAMBDA_MAX_CONCURRENCY` — not as a classic Lambda container, which serves one at a
 * time. So it does what that runtime does: runs each invocation in a context of its own (the
 * InvokeStore, an AsyncLocalStorage), where Powertools' Logger keeps the invocation's Lambda
 * context and keys. Without it, the logger's one shared context would name whichever request
 * started last on the lines of every request still running.
 */
let store: Promise<InvokeStoreBase> | undefined;

function invokeStore(): Promise<InvokeStoreBase> {
  store ??= InvokeStore.getInstanceAsync(true).then((created) => {
    // Read by Powertools on every access: scoped storage only once the store exists.
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= "64";
    return created;
  });
  return store;
}

/** Run one invocation in a context of its own, under its request id. */
export async function inInvocationScope<T>(requestId: string, invoke: () => Promise<T>): Promise<T> {
  return (await invokeStore()).run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
