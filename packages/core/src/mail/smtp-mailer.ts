// nodemailer: the maintained SMTP client for Node.js (STARTTLS, SMTPS, AUTH, pooling), so no SMTP
// dialogue is written here.
import { createTransport, type Transporter } from "nodemailer";
import type { Mailer } from "./mailer";

/** How long one send may take, connection included: a mail never holds a request for longer. */
const SEND_TIMEOUT_MS = 10_000;

let transport: { readonly url: string; readonly transporter: Transporter } | undefined;

/**
 * SMTP, for people who run the service on their own machines: one transport per container for
 * the URL (`smtp://user:password@host:port`, `smtps://…` for TLS from the start; plain `smtp://`
 * upgrades with STARTTLS when the server offers it), from `from`.
 */
export function smtpMailer(url: string, from: string): Mailer {
  if (transport?.url !== url) {
    transport?.transporter.close();
    transport = {
      url,
      transporter: createTransport({
        url,
        connectionTimeout: SEND_TIMEOUT_MS,
        greetingTimeout: SEND_TIMEOUT_MS,
        socketTimeout: SEND_TIMEOUT_MS,
      }),
    };
  }
  const { transporter } = transport;
  return {
    async send({ to, subject, text }) {
      await transporter.sendMail({ from, to, subject, text, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    },
  };
}
