import type { RequestContext } from "../context";

/**
 * The mail port: what the service sends (mail/templates.ts), not how. Three adapters, chosen by the
 * configuration (config.ts, `mail`): `outboxMailer` where no sender is configured (locally, in
 * tests: the message goes to the log and to an outbox the tests read), Amazon SES v2 when
 * `MAIL_FROM` is set (deployed), SMTP when `SMTP_URL` is. Sending is best effort by design: the
 * caller never fails because mail did.
 */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  /** The plain-text part; every message has both parts, made together by mail/templates.ts. */
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  /** `context`: the request the message is sent for, which any line the adapter logs names. */
  send(message: MailMessage, context?: RequestContext): Promise<void>;
}
