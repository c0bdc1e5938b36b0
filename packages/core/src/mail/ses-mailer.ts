import { SendEmailCommand, type SendEmailCommandInput, SESv2Client } from "@aws-sdk/client-sesv2";
import type { Mailer, MailMessage } from "./message";

let client: SESv2Client | undefined;

/**
 * Amazon SES v2, from `from` (a verified identity). One client per container, in the function's
 * region; the function's role carries `ses:SendEmail` (granted by the stack to the functions that
 * send mail).
 */
export function sesMailer(from: string): Mailer {
  client ??= new SESv2Client({});
  const ses = client;
  return {
    async send(message) {
      await ses.send(new SendEmailCommand(sendEmailInput(from, message)));
    },
  };
}

/** The SendEmail request for `message`: both parts, which SES sends as multipart/alternative. */
function sendEmailInput(from: string, { to, subject, text, html }: MailMessage): SendEmailCommandInput {
  return {
    FromEmailAddress: from,
    Destination: { ToAddresses: [to] },
    Content: {
      Simple: {
        Subject: { Data: subject, Charset: "UTF-8" },
        Body: { Text: { Data: text, Charset: "UTF-8" }, Html: { Data: html, Charset: "UTF-8" } },
      },
    },
  };
}
