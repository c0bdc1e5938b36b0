import { config } from "../config";
import type { MailMessage } from "./message";

/**
 * Every message the service sends, in one place so that their wording, their look and their
 * escaping are decided once. Each has a plain-text part (what a text-only client shows, and what
 * spam filters expect beside HTML) and an HTML part; both say the same thing, from the same
 * paragraphs. The product's name and the links' base come from the configuration
 * (PRODUCT_NAME, APP_URL).
 */

type LinkKind = "invitation" | "reset" | "verify" | "confirm-email";

/** The link a message carries: `${appUrl}/#${kind}=${token}` (a fragment: never sent to a server, so never in an access log). */
export function appLink(kind: LinkKind, token: string): string {
  return `${config().messages.appUrl}/#${kind}=${encodeURIComponent(token)}`;
}

export function invitationMail(p: {
  to: string;
  organizationName: string;
  role: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `You are invited to ${p.organizationName} on ${product}`,
    heading: `Join ${p.organizationName}`,
    before: [`You are invited to join ${p.organizationName} on ${product} as ${p.role}.`],
    action: { label: "Accept the invitation", link: p.link },
    after: [
      `The invitation expires at ${timeOf(p.expiresAt)}.`,
      "If you did not expect it, ignore this message: nothing happens unless the link is followed.",
    ],
  });
}

export function passwordResetMail(p: { to: string; link: string; expiresAt: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `Reset your ${product} password`,
    heading: "Reset your password",
    before: [`Someone, hopefully you, asked to reset the password of the ${product} account of this address.`],
    action: { label: "Choose a new password", link: p.link },
    after: [
      `The link expires at ${timeOf(p.expiresAt)}.`,
      "If you did not ask for it, ignore this message: your password stays as it is.",
    ],
  });
}

/** To a member an operator restored an organization for, whose account the restore made: the reset link sets their first password. */
export function restoredAccountMail(p: {
  to: string;
  organizationName: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `Set your ${product} password`,
    heading: "Set your password",
    before: [
      `The organization ${p.organizationName} was restored on ${product}, with you among its members.`,
      "Your account there has no password yet.",
    ],
    action: { label: "Choose a password", link: p.link },
    after: [
      `The link expires at ${timeOf(p.expiresAt)}; after that, ask for a new one with "Forgot your password?" on the sign-in page.`,
    ],
  });
}

/** A notice without a link: a link in it is what a phishing copy of it would carry. */
export function passwordChangedMail(p: { to: string; at: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `Your ${product} password was changed`,
    heading: "Your password was changed",
    before: [`The password of the ${product} account of this address was changed at ${timeOf(p.at)}.`],
    after: [
      "If it was you, there is nothing to do.",
      `If it was not, reset your password at once, from the sign-in page of ${product}, and tell an administrator of your organization.`,
    ],
  });
}

export function verifyEmailMail(p: { to: string; link: string; expiresAt: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `Verify your email address for ${product}`,
    heading: "Verify your email address",
    before: [`Confirm that this address is yours, to use it with ${product}.`],
    action: { label: "Verify the address", link: p.link },
    after: [
      `The link expires at ${timeOf(p.expiresAt)}.`,
      "If you did not ask for it, ignore this message: the address is not verified unless the link is followed.",
    ],
  });
}

/** To the new address: following the link is what proves it, and what makes the change. */
export function confirmEmailChangeMail(p: { to: string; link: string; expiresAt: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `Confirm your new email address for ${product}`,
    heading: "Confirm your new email address",
    before: [`This address was given as the new email address of a ${product} account.`],
    action: { label: "Confirm the new address", link: p.link },
    after: [
      `The change happens only when the link is followed; it expires at ${timeOf(p.expiresAt)}.`,
      "If you did not ask for it, ignore this message: the account keeps its address.",
    ],
  });
}

/**
 * To the old address, which is told rather than asked: the change waits for the new address to
 * confirm, so there is nothing to follow here — and nothing a phishing copy could imitate.
 */
export function emailChangeRequestedMail(p: { to: string; newEmail: string; at: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `A change of your ${product} email address was requested`,
    heading: "A change of your email address was requested",
    before: [
      `At ${timeOf(p.at)}, a change of the email address of your ${product} account to ${p.newEmail} was requested.`,
      "The change happens only if the new address confirms it, with the link sent to it. Until then, this address stays the account's.",
    ],
    after: [
      `If it was not you, reset your password at once, from the sign-in page of ${product}, and tell an administrator of your organization.`,
    ],
  });
}

/**
 * To an address asked for as another account's new one while it has an account of its own: nothing
 * can change, and it is told so. Sent all the same so that the request's answer (`mail_sent`) is a
 * mail to that address either way, and tells nothing about whether it has an account.
 */
export function emailTakenMail(p: { to: string; at: Date }): MailMessage {
  const product = productName();
  return compose({
    to: p.to,
    subject: `This address was given for another ${product} account`,
    heading: "This address was given for another account",
    before: [
      `At ${timeOf(p.at)}, this address was given as the new email address of another ${product} account.`,
      "This address has an account of its own, so nothing changes: each address belongs to one account.",
    ],
    after: ["If it was you, sign in with this address instead. Otherwise there is nothing to do."],
  });
}

/** What one message says, in plain text: `compose` makes both parts of it, escaping for HTML itself. */
interface Content {
  readonly to: string;
  readonly subject: string;
  readonly heading: string;
  /** Paragraphs before the link. */
  readonly before: readonly string[];
  readonly action?: { readonly label: string; readonly link: string };
  /** Paragraphs after the link. */
  readonly after: readonly string[];
}

function compose(content: Content): MailMessage {
  return { to: content.to, subject: content.subject, text: textOf(content), html: htmlOf(content) };
}

/** Plain paragraphs; the link alone on its line, so that clients make it clickable whole. */
function textOf({ before, action, after }: Content): string {
  const paragraphs = [...before, ...(action ? [`${action.label}:\n${action.link}`] : []), ...after];
  return `${paragraphs.join("\n\n")}\n\n— ${productName()}\n`;
}

// Inline styles only: mail clients drop <style> blocks and never load stylesheets.
const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const STYLE = {
  body: "margin:0;padding:24px 12px;background-color:#f4f4f5;",
  card: `max-width:560px;margin:0 auto;padding:32px;background-color:#ffffff;border-radius:8px;${FONT}font-size:16px;line-height:1.5;color:#18181b;`,
  heading: "margin:0 0 16px;font-size:20px;line-height:1.3;",
  paragraph: "margin:0 0 16px;",
  button:
    "display:inline-block;padding:10px 20px;background-color:#2563eb;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600;",
  small: "margin:0 0 16px;font-size:13px;color:#52525b;word-break:break-all;",
  link: "color:#2563eb;",
  footer: "margin:24px 0 0;font-size:13px;color:#71717a;",
};

/** A self-contained document; every value in it passes through `escapeHtml`, the links included. */
function htmlOf({ subject, heading, before, action, after }: Content): string {
  const paragraph = (text: string) => `<p style="${STYLE.paragraph}">${escapeHtml(text)}</p>`;
  const link = action && escapeHtml(action.link);
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.card}">`,
    `<h1 style="${STYLE.heading}">${escapeHtml(heading)}</h1>`,
    ...before.map(paragraph),
    ...(action
      ? [
          `<p style="${STYLE.paragraph}"><a href="${link}" style="${STYLE.button}">${escapeHtml(action.label)}</a></p>`,
          // The address as text too: for clients that strip links, and for readers who check where one goes.
          `<p style="${STYLE.small}">Or open this link: <a href="${link}" style="${STYLE.link}">${link}</a></p>`,
        ]
      : []),
    ...after.map(paragraph),
    `<p style="${STYLE.footer}">${escapeHtml(productName())}</p>`,
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * The five characters that can change HTML's meaning, in text and in a quoted attribute alike.
 * Written here: no HTML-escaping library is among core's dependencies, and this is all it would do.
 */
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" } as const;
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character as keyof typeof ESCAPES]);
}

const productName = () => config().messages.productName;

/** ISO 8601 in UTC, to the second: the same for every reader, whatever their time zone. */
const timeOf = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
