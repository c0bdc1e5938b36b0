import { afterAll, beforeAll } from "vitest";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A message as it arrived at the SMTP server, parsed: who it was for, and what it says. */
export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO), lower-cased. */
  readonly recipients: readonly string[];
  readonly from: string | undefined;
  readonly parsed: ParsedMail;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  readonly url: string;
  readonly received: readonly ReceivedMail[];
  /** The next message for `recipient` not returned before, waiting up to `timeoutMs` for it. */
  next(recipient: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a loopback port (smtp-server), whose every message is parsed as a mail
 * client would (mailparser): the counterpart of the service's SMTP transport in tests. Plain SMTP
 * (no STARTTLS, no AUTH): it listens on 127.0.0.1 only.
 */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          received.push({
            recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            parsed,
          });
          for (const wake of waiters) wake();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as { port: number };

  const find = (recipient: string) =>
    received.find((mail) => !taken.has(mail) && mail.recipients.includes(recipient.toLowerCase()));

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async next(recipient, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = find(recipient);
        if (mail) {
          taken.add(mail);
          return mail;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no mail for ${recipient} arrived within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's text part. */
export function linkIn(mail: ReceivedMail): string {
  const link = mail.parsed.text?.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error(`the mail "${mail.parsed.subject}" holds no link`);
  return link;
}

/**
 * For a test file: an SMTP mailbox started before its tests; after them, closed and the file's
 * databases dropped. The mailbox, once started.
 */
export function useMailbox(databases: { drop(): Promise<void> }): () => Mailbox {
  let mailbox: Mailbox | undefined;
  beforeAll(async () => {
    mailbox = await startMailbox();
  });
  afterAll(async () => {
    await mailbox?.close();
    await databases.drop();
  });
  return () => {
    if (!mailbox) throw new Error("the mailbox is not started yet");
    return mailbox;
  };
}
