import { onExportRequested } from "@org-service/core";

/** Set by the stack on the functions that start exports: the export function to invoke. */
export const EXPORTER_VARIABLE = "EXPORTS_FUNCTION";

/**
 * Deployed, an export runs in the export function (jobs/run-export.ts), with the time and memory
 * a large tenant takes, not in the function that answered: this starts it with an asynchronous
 * invoke, which the answer waits for Lambda to accept. The Lambda client is loaded on the first
 * export only. Without the variable (the local server, tests) exports run in the process.
 */
export function startExportsElsewhere(env: NodeJS.ProcessEnv = process.env): void {
  const functionName = env[EXPORTER_VARIABLE];
  if (!functionName) return;
  let client: Promise<{ invoke(exportId: string): Promise<unknown> }> | undefined;
  onExportRequested(async (exportId) => {
    client ??= import("@aws-sdk/client-lambda").then(({ LambdaClient, InvokeCommand }) => {
      const lambda = new LambdaClient({});
      return {
        invoke: (id: string) =>
          lambda.send(
            new InvokeCommand({
              FunctionName: functionName,
              InvocationType: "Event",
              Payload: Buffer.from(JSON.stringify({ export_id: id })),
            }),
          ),
      };
    });
    await (await client).invoke(exportId);
  });
}
