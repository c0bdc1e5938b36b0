/**
 * One run of a task at a time: callers arriving while it runs share its promise instead of starting
 * another. The session needs exactly that of its refresh — a refresh token is single-use, and the
 * service takes a second presentation of one as a stolen token and revokes the whole session — and
 * the machine token source uses it so that a burst of calls asks the token endpoint once.
 */
export class SingleFlight<T> {
  readonly #task: () => Promise<T>;
  #running: Promise<T> | undefined;

  constructor(task: () => Promise<T>) {
    this.#task = task;
  }

  run(): Promise<T> {
    this.#running ??= this.#task().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The run under way, if any: a caller about to use the result it replaces waits for it. */
  get running(): Promise<T> | undefined {
    return this.#running;
  }
}
