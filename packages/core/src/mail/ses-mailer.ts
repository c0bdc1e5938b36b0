import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import type { Mailer } from "./mailer";

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
    async send({ to, subject, text }) {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: { Subject: { Data: subject, Charset: "UTF-8" }, Body: { Text: { Data: text, Charset: "UTF-8" } } },
          },
        }),
      );
    },
  };
}
