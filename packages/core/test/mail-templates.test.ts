import { randomBytes } from "node:crypto";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { resetConfig } from "../src";
import { type MailMessage, mailer } from "../src/mail/mailer";
import {
  appLink,
  confirmEmailChangeMail,
  emailChangeRequestedMail,
  invitationMail,
  passwordChangedMail,
  passwordResetMail,
  verifyEmailMail,
} from "../src/mail/templates";
import { captureLogLines, sentMail } from "../src/testing";
import { linkIn, type Mailbox, type ReceivedMail, startMailbox } from "./support/mailbox";

/** With a path and a trailing slash, as an operator may write it: links go under the path, without a double slash. */
const APP_URL = "https://app.example.com/console/";
const APP = "https://app.example.com/console";
/** With "&": the product's name is escaped in the HTML part like every other value. */
const PRODUCT_NAME = "Acme & Co Cloud";
const MARKUP = `<script>alert("x")</script><b>x</b>`;
const ESCAPED_MARKUP = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;";
const EXPIRES = new Date("2030-01-02T03:04:05.678Z");
const AT = new Date("2029-12-31T23:59:58.001Z");

let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(async () => {
  await mailbox.close();
});
beforeEach(() => {
  process.env.APP_URL = APP_URL;
  process.env.PRODUCT_NAME = PRODUCT_NAME;
  resetConfig();
});
afterEach(() => {
  for (const name of ["APP_URL", "PRODUCT_NAME", "SMTP_URL", "MAIL_FROM"]) delete process.env[name];
  vi.restoreAllMocks();
  resetConfig();
});

let sequence = 0;
const recipient = () => `reader.${Date.now().toString(36)}${++sequence}@mail.example`;
const newToken = () => randomBytes(32).toString("base64url");

/** Through the configured transport, here the real SMTP one to the in-process mailbox, as a mail client receives it. */
async function deliver(message: MailMessage): Promise<ReceivedMail & { text: string; html: string }> {
  process.env.SMTP_URL = mailbox.url;
  process.env.MAIL_FROM = "no-reply@service.example";
  resetConfig();
  await (await mailer()).send(message);
  const mail = await mailbox.next(message.to);
  expect(mail.recipients).toEqual([message.to.toLowerCase()]);
  expect(mail.from).toBe("no-reply@service.example");
  expect(mail.parsed.subject).toContain(PRODUCT_NAME);
  // One message, two renderings of it: the client shows the one it can.
  expect(mail.parsed.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
  const { text, html } = mail.parsed;
  expect(text).toEqual(expect.any(String));
  expect(html).toEqual(expect.any(String));
  expect(html).toMatch(/^<!DOCTYPE html>/);
  // Self-contained: inline styles, nothing loaded, nothing run.
  expect(html).toContain('style="');
  expect(html).not.toMatch(/<script|<style|<link|<img|\bsrc=/i);
  expect(html).toContain(PRODUCT_NAME.replace("&", "&amp;"));
  expect(html).not.toContain(PRODUCT_NAME);
  return { ...mail, text: text as string, html: html as string };
}

/** The link arrived whole in both parts: alone on a line of the text, and as the target and the text of the HTML's links. */
function expectLink(mail: { text: string; html: string } & ReceivedMail, link: string) {
  expect(linkIn(mail)).toBe(link);
  expect(mail.text.split(/\r?\n/)).toContain(link);
  const targets = [...mail.html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
  expect(targets.length).toBeGreaterThan(0);
  expect(new Set(targets)).toEqual(new Set([link]));
  expect(mail.html).toContain(`>${link}</a>`);
}

/** A notice: no link anywhere, so there is none a phishing copy could swap. */
function expectNoLink(mail: { text: string; html: string }) {
  expect(mail.text).not.toMatch(/https?:\/\//);
  expect(mail.html).not.toMatch(/https?:\/\/|href=/);
}

describe("every message, through the real SMTP transport, has a text and an HTML part", () => {
  it("invitation: the organization, the role, the accept link and its expiry; the organization's markup escaped", async () => {
    const to = recipient();
    const token = newToken();
    const organizationName = `Org ${MARKUP}`;
    const mail = await deliver(
      invitationMail({ to, organizationName, role: "admin", link: appLink("invitation", token), expiresAt: EXPIRES }),
    );
    expect(mail.parsed.subject).toBe(`You are invited to ${organizationName} on ${PRODUCT_NAME}`);
    expectLink(mail, `${APP}/#invitation=${token}`);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("as admin");
      expect(part).toContain("2030-01-02T03:04:05Z");
    }
    expect(mail.text).toContain(organizationName);
    expect(mail.html).toContain(`Org ${ESCAPED_MARKUP}`);
    expect(mail.html).not.toContain("<b>x</b>");
  });

  it("password reset: the reset link and its expiry", async () => {
    const to = recipient();
    const token = newToken();
    const mail = await deliver(passwordResetMail({ to, link: appLink("reset", token), expiresAt: EXPIRES }));
    expect(mail.parsed.subject).toBe(`Reset your ${PRODUCT_NAME} password`);
    expectLink(mail, `${APP}/#reset=${token}`);
    expect(mail.text).toContain("2030-01-02T03:04:05Z");
    expect(mail.html).toContain("2030-01-02T03:04:05Z");
  });

  it("password changed: when, and what to do if it was not them, without a link", async () => {
    const to = recipient();
    const mail = await deliver(passwordChangedMail({ to, at: AT }));
    expect(mail.parsed.subject).toBe(`Your ${PRODUCT_NAME} password was changed`);
    expectNoLink(mail);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("2029-12-31T23:59:58Z");
      expect(part).toMatch(/reset your password/i);
      expect(part).toContain("administrator");
    }
  });

  it("email verification: the verify link and its expiry", async () => {
    const to = recipient();
    const token = newToken();
    const mail = await deliver(verifyEmailMail({ to, link: appLink("verify", token), expiresAt: EXPIRES }));
    expect(mail.parsed.subject).toBe(`Verify your email address for ${PRODUCT_NAME}`);
    expectLink(mail, `${APP}/#verify=${token}`);
    expect(mail.text).toContain("2030-01-02T03:04:05Z");
  });

  it("email change, to the new address: the confirm link and its expiry", async () => {
    const to = recipient();
    const token = newToken();
    const mail = await deliver(
      confirmEmailChangeMail({ to, link: appLink("confirm-email", token), expiresAt: EXPIRES }),
    );
    expect(mail.parsed.subject).toBe(`Confirm your new email address for ${PRODUCT_NAME}`);
    expectLink(mail, `${APP}/#confirm-email=${token}`);
    expect(mail.text).toContain("2030-01-02T03:04:05Z");
  });

  it("email change, to the old address: the new address (escaped), that it waits for it, what to do if it was not them", async () => {
    const to = recipient();
    const newEmail = `"${MARKUP}"@evil.example`;
    const mail = await deliver(emailChangeRequestedMail({ to, newEmail, at: AT }));
    expect(mail.parsed.subject).toBe(`A change of your ${PRODUCT_NAME} email address was requested`);
    expectNoLink(mail);
    expect(mail.text).toContain(newEmail);
    expect(mail.html).toContain(`&quot;${ESCAPED_MARKUP}&quot;@evil.example`);
    expect(mail.html).not.toContain("<b>x</b>");
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("2029-12-31T23:59:58Z");
      expect(part).toContain("only if the new address confirms it");
      expect(part).toMatch(/reset your password/i);
    }
  });
});

describe("appLink", () => {
  it("puts the token in the fragment of APP_URL, else PUBLIC_URL, else the issuer", () => {
    expect(appLink("reset", "abc_-1")).toBe(`${APP}/#reset=abc_-1`);
    delete process.env.APP_URL;
    process.env.PUBLIC_URL = "https://old.example.com/";
    resetConfig();
    try {
      expect(appLink("verify", "t")).toBe("https://old.example.com/#verify=t");
      delete process.env.PUBLIC_URL;
      process.env.JWT_ISSUER = "https://api.example.com";
      resetConfig();
      expect(appLink("confirm-email", "t")).toBe("https://api.example.com/#confirm-email=t");
    } finally {
      delete process.env.PUBLIC_URL;
      delete process.env.JWT_ISSUER;
    }
  });
});

describe("the other transports carry both parts", () => {
  it("SES: the SendEmail request has the Text and the Html body (the SDK client stubbed at its send boundary)", async () => {
    process.env.MAIL_FROM = "no-reply@service.example";
    resetConfig();
    const send = vi.spyOn(SESv2Client.prototype, "send").mockResolvedValue({ MessageId: "m-1" } as never);
    const message = passwordResetMail({ to: recipient(), link: appLink("reset", newToken()), expiresAt: EXPIRES });
    await (await mailer()).send(message);
    expect(send).toHaveBeenCalledTimes(1);
    const command = send.mock.calls[0]![0] as unknown as { input: Record<string, unknown> };
    expect(command.input).toEqual({
      FromEmailAddress: "no-reply@service.example",
      Destination: { ToAddresses: [message.to] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: "UTF-8" },
          Body: { Text: { Data: message.text, Charset: "UTF-8" }, Html: { Data: message.html, Charset: "UTF-8" } },
        },
      },
    });
  });

  it("outbox: keeps the whole message for the tests; its log line has the text, not the HTML", async () => {
    const message = verifyEmailMail({ to: recipient(), link: appLink("verify", newToken()), expiresAt: EXPIRES });
    const logs = captureLogLines();
    try {
      await (await mailer()).send(message);
    } finally {
      logs.stop();
    }
    expect(sentMail().at(-1)).toEqual(message);
    const line = logs.records().find((record) => record.to === message.to);
    expect(line).toMatchObject({ subject: message.subject, text: message.text });
    expect(line).not.toHaveProperty("html");
  });
});
