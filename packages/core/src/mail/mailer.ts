import { config } from "../config";
import type { RequestContext } from "../context";
import { logger, requestFields } from "../logger";

import type { Mailer, MailMessage } from "./message";

/*
 * The adapters of the mail port (message.ts), and the choice between them. The port is a module
 * of its own so that the SES and SMTP adapters, which this one loads, never import it back.
 */
export type { Mailer, MailMessage } from "./message";

const outbox: MailMessage[] = [];

/** Messages the outbox adapter has "sent", oldest first (for tests and the local run). */
export function sentMail(): readonly MailMessage[] {
  return outbox;
}

export const outboxMailer: Mailer = {
  async send(message, context) {
    outbox.push(message);
    // Only where no mail is configured: locally the log is how a developer follows the link (the
    // text part says all the HTML part does). Deployed, a log is read by others than the
    // recipient, and a reset link there would hand the account to anyone who can read it.
    const local = config().jwt.mayGenerateKey;
    logger.info(
      "mail (not sent: neither MAIL_FROM nor SMTP_URL is set)",
      local
        ? { to: message.to, subject: message.subject, text: message.text, ...requestFields(context) }
        : {
            to_domain: message.to.slice(message.to.lastIndexOf("@") + 1),
            subject: message.subject,
            ...requestFields(context),
          },
    );
  },
};

/** The configured adapter. SES and SMTP are imported only when they are the one, so other functions never load them. */
export async function mailer(): Promise<Mailer> {
  const { mail } = config();
  switch (mail.transport) {
    case "outbox":
      return outboxMailer;
    case "ses":
      return (await import("./ses-mailer")).sesMailer(mail.from);
    case "smtp":
      return (await import("./smtp-mailer")).smtpMailer(mail.url, mail.from);
  }
}

/**
 * Whether mail reaches a mailbox only its owner reads (SES or SMTP), rather than the log and the
 * outbox that whoever runs the service reads. Only then does a link that was mailed, and shown to
 * nobody else, prove that whoever follows it owns the address.
 */
export function mailReachesOnlyTheRecipient(): boolean {
  return config().mail.transport !== "outbox";
}

/**
 * Send, and log instead of throwing when it fails: mail never fails the operation that sends it.
 * The log names the recipient's domain only, and the error's name (never its message, which may
 * quote the server's answer with the address or the link).
 */
export async function sendBestEffort(message: MailMessage, context?: RequestContext): Promise<boolean> {
  try {
    await (await mailer()).send(message, context);
    return true;
  } catch (error) {
    logger.warn("mail not sent", {
      to_domain: message.to.slice(message.to.lastIndexOf("@") + 1),
      subject: message.subject,
      error: (error as Error).name,
      ...requestFields(context),
    });
    return false;
  }
}
