/**
 * A per-container initialisation (a database connection, the signing keys, the secrets): the first
 * call starts it and every later call shares the result, but a failure is not kept, so the next
 * invocation tries again instead of failing for the rest of the container's life.
 */
export interface Once<T> {
  get(): Promise<T>;
  /** The initialisation under way or done, if any (for shutting it down). */
  current(): Promise<T> | undefined;
  /** Forget it: the next `get()` starts again. */
  reset(): void;
}

export function once<T>(start: () => Promise<T>): Once<T> {
  let pending: Promise<T> | undefined;
  return {
    get() {
      pending ??= start().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    current: () => pending,
    reset() {
      pending = undefined;
    },
  };
}
