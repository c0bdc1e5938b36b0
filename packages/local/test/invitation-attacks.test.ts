import { resetConfig } from "@org-service/core";
import { linkIn, type Mailbox, startMailbox } from "@org-service/core/testing/mailbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * The two attacks on invitations, step by step over HTTP, as an attacker would run them against
 * `pnpm start`: guessing a user's password through an invitation of one's own, and claiming an
 * email one does not own by accepting an invitation one sent. Both worked until the password check
 * was throttled with logins and the accept link went to the invitee's mailbox alone.
 */
const GUESSES = 10;
const server = useLocalServer({
  prepare: async () => {
    // As in the report: the per-address limit out of the way, so that the per-email one shows alone.
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = String(GUESSES);
    process.env.LOGIN_MAX_FAILURES_PER_IP = "10000";
  },
});
const call = httpClient(server.url);
const PASSWORD = "victims-password-1";

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function signUp(who: string, password = PASSWORD) {
  const email = `${who}.${unique()}@attacks.example`;
  const created = await call("POST", "/org/create", {
    json: { organization_name: `${who} ${unique()}`, email, password },
  });
  expect(created.status, created.text).toBe(201);
  return { email, password };
}

async function tokenOf(email: string, password: string): Promise<string> {
  const answer = await call("POST", "/admin/login", { json: { email, password } });
  expect(answer.status, answer.text).toBe(200);
  return answer.json.access_token as string;
}

/** The attacker: an organization of their own (sign-up is public), logged in as its owner. */
async function attacker() {
  const { email, password } = await signUp("attacker", "attackers-password-1");
  return tokenOf(email, password);
}

const invite = (token: string, email: string) =>
  call("POST", "/org/invitations", { token, json: { email, role: "member" } });

/** A problem document without what differs between any two answers (the request's id). */
const problemOf = (answer: HttpAnswer) => {
  const { instance: _instance, request_id: _requestId, ...rest } = answer.json ?? {};
  return { status: answer.status, contentType: answer.contentType, body: rest };
};

describe("where the service sends no mail (local runs): the inviter is shown the token", () => {
  it("guessing a user's password through an invitation stops at the login limit: 429 with Retry-After, even for the right password", async () => {
    const victim = await signUp("victim");
    const attackerToken = await attacker();
    const invited = await invite(attackerToken, victim.email);
    expect(invited.status).toBe(201);
    const { token } = invited.json;
    expect(token).toEqual(expect.any(String));

    for (let guess = 0; guess < GUESSES; guess++) {
      const answer = await call("POST", "/invitations/accept", { json: { token, password: `guess-${guess}-wrong` } });
      expect(answer.status, `guess ${guess + 1}`).toBe(401);
    }
    const right = await call("POST", "/invitations/accept", { json: { token, password: victim.password } });
    expect(right.status).toBe(429);
    expect(right.contentType).toBe("application/problem+json");
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    // Exactly as login answers past the limit: the guesses counted against the victim's email.
    const login = await call("POST", "/admin/login", { json: { email: victim.email, password: victim.password } });
    expect(problemOf(login)).toEqual(problemOf(right));
    expect(Number(login.headers.get("retry-after"))).toBeGreaterThan(0);
    // Nothing was joined: the invitation is still pending, unused.
    const pending = await call("GET", "/org/invitations", { token: attackerToken });
    expect(pending.json.invitations.map((invitation: { email: string }) => invitation.email)).toContain(victim.email);
  });

  it("before the password is checked, an accept answers alike whether the email has an account or not", async () => {
    const registered = await signUp("registered");
    const attackerToken = await attacker();
    const nobody = `nobody.${unique()}@attacks.example`;
    const forRegistered = (await invite(attackerToken, registered.email)).json.token;
    const forNobody = (await invite(attackerToken, nobody)).json.token;
    const answers = async (json: Record<string, unknown>) =>
      Promise.all(
        [forRegistered, forNobody].map((token) => call("POST", "/invitations/accept", { json: { token, ...json } })),
      );
    // No password, and a password no account may have: the same 422, nothing compared or created.
    for (const json of [{}, { password: "short" }, { password: "\u0000".repeat(12) }]) {
      const [registeredAnswer, nobodyAnswer] = await answers(json);
      expect(registeredAnswer!.status, JSON.stringify(json)).toBe(422);
      expect(problemOf(registeredAnswer!)).toEqual(problemOf(nobodyAnswer!));
    }
    // Past the limits for the address (failed logins count for any email, known or not): the same 429.
    for (const target of [registered.email, nobody]) {
      for (let guess = 0; guess < GUESSES; guess++) {
        await call("POST", "/admin/login", { json: { email: target, password: `guess-${guess}-wrong` } });
      }
    }
    const [registeredAnswer, nobodyAnswer] = await answers({ password: "a-valid-password-1" });
    expect(registeredAnswer!.status).toBe(429);
    expect(problemOf(registeredAnswer!)).toEqual(problemOf(nobodyAnswer!));
  });

  it("an account made by accepting an invitation whose token the inviter saw has no verified email", async () => {
    const attackerToken = await attacker();
    const someone = `someone.${unique()}@attacks.example`;
    const { token } = (await invite(attackerToken, someone)).json;
    const accepted = await call("POST", "/invitations/accept", {
      json: { token, password: "attackers-choice-1" },
    });
    expect(accepted.status).toBe(200);
    const me = await call("GET", "/me", { token: accepted.json.access_token });
    expect(me.json).toMatchObject({ email: someone, email_verified: false });
  });
});

describe("where the service sends mail (SMTP here, SES when deployed): the link goes to the mailbox alone", () => {
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await startMailbox();
    process.env.SMTP_URL = mailbox.url;
    process.env.MAIL_FROM = "invitations@attacks.example";
    resetConfig();
  });
  afterAll(async () => {
    delete process.env.SMTP_URL;
    delete process.env.MAIL_FROM;
    resetConfig();
    await mailbox.close();
  });
  afterEach(() => expect(mailbox.received.length).toBeGreaterThan(0));

  it("claiming an email one does not own fails: the inviter gets no token to accept with, the owner of the mailbox does", async () => {
    const attackerToken = await attacker();
    const someone = `someone.${unique()}@attacks.example`;

    // 1. The attacker invites an address with no account…
    const invited = await invite(attackerToken, someone);
    expect(invited.status).toBe(201);
    expect(invited.json.mail_sent).toBe(true);
    // 2. …and gets nothing to accept it with: no token, no link, in the answer or anywhere it can read.
    expect(invited.json).not.toHaveProperty("token");
    expect(invited.json).not.toHaveProperty("accept_url");
    const listed = await call("GET", "/org/invitations", { token: attackerToken });
    expect(listed.text).not.toMatch(/invitation=|"token"/);
    // 3. The link went to the mailbox of the address, and only there.
    const mail = await mailbox.next(someone);
    expect(mail.recipients).toEqual([someone]);
    const link = linkIn(mail);
    expect(invited.text).not.toContain(new URL(link).hash.slice(1));
    // 4. Its owner accepts with a password of their own: the account is theirs, its email verified.
    const token = new URL(link).hash.replace("#invitation=", "");
    const accepted = await call("POST", "/invitations/accept", { json: { token, password: "owners-password-1" } });
    expect(accepted.status, accepted.text).toBe(200);
    const me = await call("GET", "/me", { token: accepted.json.access_token });
    expect(me.json).toMatchObject({ email: someone, email_verified: true });
    // 5. The attacker, who never had the link, cannot log in as them with any password of theirs.
    const claimed = await call("POST", "/admin/login", { json: { email: someone, password: "attackers-choice-1" } });
    expect(claimed.status).toBe(401);
  });

  it("an existing user who accepts a mailed invitation with their password proves their address too", async () => {
    const member = await signUp("member");
    await mailbox.next(member.email); // the sign-up's own verification link, not followed here
    const before = await call("GET", "/me", { token: await tokenOf(member.email, member.password) });
    expect(before.json.email_verified).toBe(false);
    const attackerToken = await attacker();
    expect((await invite(attackerToken, member.email)).json).not.toHaveProperty("token");
    const token = new URL(linkIn(await mailbox.next(member.email))).hash.replace("#invitation=", "");
    const accepted = await call("POST", "/invitations/accept", { json: { token, password: member.password } });
    expect(accepted.status, accepted.text).toBe(200);
    expect((await call("GET", "/me", { token: accepted.json.access_token })).json.email_verified).toBe(true);
  });
});
