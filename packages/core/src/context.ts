/** Who is asking, as far as the transport knows: recorded in the audit log and on sessions, and used for throttling. */
export interface RequestContext {
  readonly sourceIp?: string;
  readonly requestId?: string;
  /** The client's `User-Agent`, shown in the session list. */
  readonly userAgent?: string;
  /** When the request is served; the clock by default (tests move it to cross expiries). */
  readonly now?: Date;
}

/** The request's time: the context's, else the clock's. */
export const nowOf = (context: RequestContext | undefined): Date => context?.now ?? new Date();
