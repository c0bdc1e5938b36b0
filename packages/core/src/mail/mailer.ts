import { config } from "../config";
import { logger } from "../logger";

/**
 * The mail port: what the service sends (invitations), not how. Two adapters: `outboxMailer`
 * where no sender is configured (locally, in tests: the message goes to the log and to an outbox
 * the tests read) and Amazon SES v2 when `MAIL_FROM` is set (deployed). Sending is best effort by
 * design: the caller never fails because mail did (the inviter also gets the accept link).
 */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

const outbox: MailMessage[] = [];

/** Messages the outbox adapter has "sent", oldest first (for tests and the local run). */
export function sentMail(): readonly MailMessage[] {
  return outbox;
}

export const outboxMailer: Mailer = {
  async send(message) {
    outbox.push(message);
    // Only where no mail is configured: locally the log is how a developer follows the link.
    logger.info("mail (not sent: MAIL_FROM is not set)", {
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
  },
};

/** The configured adapter. SES is imported only when it is the one, so other functions never load the SDK. */
export async function mailer(): Promise<Mailer> {
  const from = config().mailFrom;
  if (from === undefined) return outboxMailer;
  const { sesMailer } = await import("./ses-mailer");
  return sesMailer(from);
}

/** Send, and log instead of throwing when it fails: mail never fails the operation that sends it. */
export async function sendBestEffort(message: MailMessage): Promise<boolean> {
  try {
    await (await mailer()).send(message);
    return true;
  } catch (error) {
    logger.warn("mail not sent", { to: message.to, subject: message.subject, error: (error as Error).name });
    return false;
  }
}
