// nodemailer: the maintained SMTP client for Node.js (STARTTLS, SMTPS, AUTH), so no SMTP dialogue
// is written here.
import { createTransport, type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { Mailer } from "./message";

/** How long one send may take, connection included: a mail never holds a request for longer. */
const SEND_TIMEOUT_MS = 10_000;

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The transport's options from SMTP_URL, read here rather than by nodemailer, whose own reading
 * lets query parameters switch options on (`?logger=true&debug=true` would log every message, its
 * links included). Only the address, TLS and the credentials come from the URL:
 * - `smtps://` speaks TLS from the start; `smtp://` must upgrade with STARTTLS (mail carries
 *   single-use links), except to this machine's own relay (loopback), which may not offer it;
 * - a user and password in the URL are used for AUTH.
 */
export function smtpTransportOptions(url: string): SMTPTransport.Options {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const secure = parsed.protocol === "smtps:";
  return {
    host,
    ...(parsed.port && { port: Number(parsed.port) }),
    secure,
    requireTLS: !secure && !isLoopback(host),
    ...(parsed.username && {
      auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
    }),
    logger: false,
    debug: false,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  };
}

let transport: { readonly url: string; readonly transporter: Transporter } | undefined;

/** SMTP, for people who run the service on their own machines: one transport per container for the URL, from `from`. */
export function smtpMailer(url: string, from: string): Mailer {
  if (transport?.url !== url) {
    transport?.transporter.close();
    transport = { url, transporter: createTransport(smtpTransportOptions(url)) };
  }
  const { transporter } = transport;
  return {
    async send({ to, subject, text, html }) {
      // Both parts: nodemailer sends them as multipart/alternative, the text first.
      await transporter.sendMail({ from, to, subject, text, html, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    },
  };
}
