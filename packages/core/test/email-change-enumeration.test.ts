import { afterAll, afterEach, expect, inject, it } from "vitest";
import { authenticate, createOrganization, resetConfig, updateOrganization } from "../src";
import { loginWithPassword, sentMail, useIsolatedDatabases } from "../src/testing";

/**
 * Asking to change one's email to an address another user has answers as for a free one, mail
 * included: `mail_sent` must not say which addresses have accounts when mail to them fails (a relay
 * that is down, or SES's sandbox, which refuses every unverified recipient).
 */
const databases = useIsolatedDatabases(inject("mongodbUri"));
afterAll(() => databases.drop());
afterEach(() => {
  delete process.env.SMTP_URL;
  resetConfig();
});

const PASSWORD = "password-123";
let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function asker() {
  const email = `asker.${unique()}@enumeration.example`;
  const organization = await createOrganization({ organizationName: `Asker ${unique()}`, email, password: PASSWORD });
  const actor = await authenticate((await loginWithPassword({ email, password: PASSWORD })).accessToken);
  return (newEmail: string) =>
    updateOrganization(actor, { organizationName: organization.name, email: newEmail, currentPassword: PASSWORD }).then(
      (result) => result.pendingEmail,
    );
}

async function someoneWithAnAccount(): Promise<string> {
  const email = `holder.${unique()}@enumeration.example`;
  await createOrganization({ organizationName: `Holder ${unique()}`, email, password: PASSWORD });
  return email;
}

it("answers alike for a taken address and a free one when mail cannot be sent", async () => {
  const taken = await someoneWithAnAccount();
  const ask = await asker();
  // A relay nobody listens on: every message fails, as a sandboxed SES fails every unverified recipient.
  process.env.SMTP_URL = "smtp://127.0.0.1:1";
  resetConfig();
  const [forTaken, forFree] = [await ask(taken), await ask(`nobody.${unique()}@enumeration.example`)];
  expect(forTaken?.mailSent).toBe(false);
  expect(forFree?.mailSent).toBe(false);
});

it("mails a taken address a notice without a link, and a free one its confirmation", async () => {
  const taken = await someoneWithAnAccount();
  const free = `free.${unique()}@enumeration.example`;
  const ask = await asker();
  expect((await ask(taken))?.mailSent).toBe(true);
  expect((await ask(free))?.mailSent).toBe(true);
  const [notice] = sentMail().filter((mail) => mail.to === taken && mail.subject.includes("another"));
  expect(notice?.text).toContain("nothing changes");
  expect(notice?.text).not.toMatch(/https?:\/\//);
  expect(sentMail().filter((mail) => mail.to === free && mail.subject.startsWith("Confirm"))).toHaveLength(1);
});
