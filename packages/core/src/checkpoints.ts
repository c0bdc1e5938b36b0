/**
 * Named points between the steps of multi-step operations, where tests inject faults: `fail`
 * throws there (the operation's own error handling runs, as for a failed write), `crash` stops
 * the operation there for good (nothing after it runs, as if the process died), so the
 * reconciler's repairs can be tested step by step. With nothing armed a checkpoint costs one
 * map lookup.
 *
 * They stay on the production path on purpose: the crash tests must run the very code that
 * serves requests, not a copy with hooks, and a checkpoint's number names the step it follows in
 * the operation's own docblock (create.ts, update.ts, delete.ts), so the steps stay numbered where
 * they are written. Only `@org-service/core/testing` can arm one.
 */
export type Fault = "fail" | "crash";

interface Armed {
  readonly fault: Fault;
  readonly reached: () => void;
}

const armed = new Map<string, Armed>();

export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

export async function checkpoint(operation: string, step: number): Promise<void> {
  const key = `${operation}:${step}`;
  const entry = armed.get(key);
  if (!entry) return;
  armed.delete(key);
  entry.reached();
  if (entry.fault === "fail") throw new InjectedFault(`injected failure after ${key}`);
  // A crash: this operation never continues. The promise is left pending on purpose.
  await new Promise<never>(() => undefined);
}

/** Arm a fault after step `step` of `operation`; resolves `reached` when an operation gets there. */
export function injectFault(operation: string, step: number, fault: Fault): { reached: Promise<void> } {
  let reached!: () => void;
  const promise = new Promise<void>((resolve) => (reached = resolve));
  armed.set(`${operation}:${step}`, { fault, reached });
  return { reached: promise };
}

export function clearFaults(): void {
  armed.clear();
}
