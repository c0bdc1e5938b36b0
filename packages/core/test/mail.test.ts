import { createServer } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  acceptInvitation,
  ConfigurationError,
  createOrganization,
  getMe,
  inviteMember,
  parseConfig,
  resetConfig,
  type Actor,
} from "../src";
import { smtpTransportOptions } from "../src/mail/smtp-mailer";
import { useIsolatedDatabases } from "../src/testing";
import { linkIn, useMailbox } from "./support/mailbox";

const databases = useIsolatedDatabases(inject("mongodbUri"));
const mailbox = useMailbox(databases);
afterEach(() => {
  delete process.env.SMTP_URL;
  delete process.env.MAIL_FROM;
  resetConfig();
});

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function owner(): Promise<{ actor: Actor; name: string }> {
  const name = `Mail ${unique()}`;
  const organization = await createOrganization({
    organizationName: name,
    email: `owner.${unique()}@mail.example`,
    password: PASSWORD,
  });
  return { actor: { userId: organization.adminId, organizationId: organization.id, role: "owner" }, name };
}

function useSmtp(url: string, from?: string) {
  process.env.SMTP_URL = url;
  if (from) process.env.MAIL_FROM = from;
  resetConfig();
}

describe("mail through SMTP (SMTP_URL)", () => {
  it("reaches a real SMTP server: envelope, sender, subject and the accept link, which the inviter is not shown", async () => {
    useSmtp(mailbox().url, "invitations@service.example");
    const { actor, name } = await owner();
    const email = `invitee.${unique()}@mail.example`;
    const invitation = await inviteMember(actor, { email, role: "admin" });
    expect(invitation.mailSent).toBe(true);
    expect(invitation).not.toHaveProperty("token");
    expect(invitation).not.toHaveProperty("acceptUrl");

    const mail = await mailbox().next(email);
    expect(mail.recipients).toEqual([email]);
    expect(mail.from).toBe("invitations@service.example");
    expect(mail.parsed.subject).toBe(`You are invited to ${name} on org-service`);
    expect(mail.parsed.text).toContain("as admin");
    const token = new URL(linkIn(mail)).hash.replace("#invitation=", "");
    expect(token).toMatch(/^[\w-]{43}$/);

    // The link reached the mailbox and nobody else: accepting it proves the address.
    const session = await acceptInvitation({ token, password: PASSWORD });
    const me = await getMe({
      userId: session.userId,
      organizationId: session.organization.id,
      role: session.role,
      email,
      sessionId: session.sessionId,
    });
    expect(me.emailVerified).toBe(true);
  });

  it("an SMTP server that cannot be reached fails the mail, never the invitation", async () => {
    // A loopback port that was free a moment ago: the connection is refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    useSmtp(`smtp://127.0.0.1:${port}`);
    const { actor } = await owner();
    const invitation = await inviteMember(actor, { email: `lost.${unique()}@mail.example`, role: "member" });
    expect(invitation.mailSent).toBe(false);
    expect(invitation).not.toHaveProperty("token");
  });

  it("reads only address, TLS and credentials from SMTP_URL: STARTTLS required except to loopback, no logging switched on", () => {
    expect(smtpTransportOptions("smtp://relay.example.com:587?logger=true&debug=true")).toMatchObject({
      host: "relay.example.com",
      port: 587,
      secure: false,
      requireTLS: true,
      logger: false,
      debug: false,
    });
    expect(smtpTransportOptions("smtps://us%40er:p%3Ass@mail.example.com")).toMatchObject({
      host: "mail.example.com",
      secure: true,
      requireTLS: false,
      auth: { user: "us@er", pass: "p:ss" },
    });
    expect(smtpTransportOptions("smtp://127.0.0.1:2525")).toMatchObject({ requireTLS: false });
    expect(smtpTransportOptions("smtp://[::1]:2525")).toMatchObject({ host: "::1", requireTLS: false });
  });

  it("SMTP_URL is a secret: a wrong one is named, never echoed", () => {
    const error = (() => {
      try {
        parseConfig({ SMTP_URL: "https://user:hunter2-secret@mail.example" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("SMTP_URL");
    expect((error as Error).message).not.toContain("hunter2");
    expect(parseConfig({ SMTP_URL: "smtps://user:pw@mail.example:465" }).mail).toEqual({
      transport: "smtp",
      from: "org-service@localhost",
      url: "smtps://user:pw@mail.example:465",
    });
  });
});
