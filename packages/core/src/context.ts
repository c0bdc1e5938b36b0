/** Who is asking, as far as the transport knows: recorded in the audit log and on sessions, and used for throttling. */
export interface RequestContext {
  readonly sourceIp?: string;
  readonly requestId?: string;
  /** The client's `User-Agent`, shown in the session list. */
  readonly userAgent?: string;
  /** When the request is served; the clock by default (tests move it to cross expiries). */
  readonly now?: Date;
  /**
   * When the caller stops waiting (epoch milliseconds: the function's time limit, less a margin).
   * An operation too long for it stops before and undoes what it did, rather than be cut off.
   */
  readonly deadline?: number;
}

/** The request's time: the context's, else the clock's. */
export const nowOf = (context: RequestContext | undefined): Date => context?.now ?? new Date();
