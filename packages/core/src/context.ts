/** Who is asking, as far as the transport knows: recorded in the audit log and used for throttling. */
export interface RequestContext {
  readonly sourceIp?: string;
  readonly requestId?: string;
}
