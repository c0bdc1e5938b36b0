import { resetConfig } from "@org-service/core";
import { type Mailbox, type ReceivedMail, startMailbox } from "@org-service/core/testing/mailbox";
import { database, totpCode } from "@org-service/core/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpClient } from "./support/http";
import { useLocalServer } from "./support/local-server";

/**
 * The account's own flows over HTTP, mail through a real SMTP server and parsed as a mail client
 * would: password reset, email verification, confirmed email changes, and REQUIRE_VERIFIED_EMAIL.
 * Each attack is tried as an attacker would: telling known addresses from unknown ones (status,
 * body, time), replaying a link, racing it, and forging one.
 */
const PER_EMAIL = 6;
let mailbox: Mailbox;
const server = useLocalServer({
  bcryptCost: 4,
  prepare: async () => {
    mailbox = await startMailbox();
    process.env.SMTP_URL = mailbox.url;
    process.env.LOGIN_MAX_FAILURES_PER_EMAIL = String(PER_EMAIL);
    process.env.LOGIN_MAX_FAILURES_PER_IP = "10000";
    // Long enough to cover a lookup, a token and an SMTP exchange on this machine; short enough for tests.
    process.env.MAIL_REQUEST_MIN_MILLISECONDS = "250";
  },
});
afterAll(async () => {
  for (const name of ["SMTP_URL", "LOGIN_MAX_FAILURES_PER_EMAIL", "LOGIN_MAX_FAILURES_PER_IP"])
    delete process.env[name];
  delete process.env.MAIL_REQUEST_MIN_MILLISECONDS;
  resetConfig();
  await mailbox.close();
});
const call = httpClient(server.url);

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${++sequence}`;

async function signUp(password = "first-password-1") {
  const email = `user.${unique()}@account.example`;
  const name = `Account ${unique()}`;
  const created = await call("POST", "/org/create", { json: { organization_name: name, email, password } });
  expect(created.status, created.text).toBe(201);
  const login = await call("POST", "/admin/login", { json: { email, password } });
  expect(login.status, login.text).toBe(200);
  return {
    email,
    password,
    name,
    token: login.json.access_token as string,
    refreshToken: login.json.refresh_token as string,
  };
}

/** The token of the `#kind=` link in a message, as the dashboard reads it from the address. */
function tokenIn(mail: ReceivedMail, kind: string): string {
  const link = mail.parsed.text?.match(new RegExp(`https?://\\S+#${kind}=([\\w%-]+)`));
  if (!link) throw new Error(`the mail "${mail.parsed.subject}" holds no #${kind}= link`);
  return decodeURIComponent(link[1]!);
}

/** A problem without what differs between any two answers (the request's id). */
const problemOf = (answer: HttpAnswer) => {
  const { instance: _instance, request_id: _requestId, ...rest } = answer.json ?? {};
  return { status: answer.status, contentType: answer.contentType, body: rest };
};

const requestReset = (email: string) => call("POST", "/auth/password-reset", { json: { email } });
const confirmReset = (token: string, password: string) =>
  call("POST", "/auth/password-reset/confirm", { json: { token, password } });

describe("password reset", () => {
  it("answers a known and an unknown address alike: status, body and time; only the known one gets mail", async () => {
    const { email } = await signUp();
    await mailbox.next(email); // the sign-up's verification link
    const time = async (address: string) => {
      const start = performance.now();
      const answer = await requestReset(address);
      return { answer, ms: performance.now() - start };
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await time(email);
      const b = await time(`ghost.${unique()}@account.example`);
      expect(problemOf(b.answer)).toEqual(problemOf(a.answer));
      expect(a.answer.status).toBe(202);
      known.push(a.ms);
      unknown.push(b.ms);
    }
    const ratio = median(unknown) / median(known);
    console.log(
      `password reset timing: known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
    );
    // Without the floor an unknown address answers in a fraction of a known one's time (no token,
    // no mail): well under 0.5. The bounds leave room for another test file computing beside this one.
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
    expect(mailbox.received.filter((mail) => mail.recipients.some((to) => to.startsWith("ghost.")))).toEqual([]);
    const mail = await mailbox.next(email);
    expect(mail.parsed.subject).toMatch(/password/i);
    expect(mail.parsed.html).toContain("#reset=");
  });

  it("sets the new password, ends every session and refresh token, tells the address, and verifies it", async () => {
    const user = await signUp();
    await mailbox.next(user.email);
    const other = await call("POST", "/admin/login", { json: { email: user.email, password: user.password } });
    expect((await requestReset(user.email)).status).toBe(202);
    const token = tokenIn(await mailbox.next(user.email), "reset");

    const confirmed = await confirmReset(token, "second-password-2");
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.json).toEqual({ password_changed: true, sessions_ended: true });
    for (const access of [user.token, other.json.access_token])
      expect((await call("GET", "/me", { token: access })).status).toBe(401);
    for (const refresh of [user.refreshToken, other.json.refresh_token])
      expect((await call("POST", "/auth/refresh", { json: { refresh_token: refresh } })).status).toBe(401);
    const notice = await mailbox.next(user.email);
    expect(notice.parsed.subject).toMatch(/password/i);
    expect(notice.parsed.text).not.toMatch(/#reset=/);

    expect((await call("POST", "/admin/login", { json: { email: user.email, password: user.password } })).status).toBe(
      401,
    );
    const login = await call("POST", "/admin/login", { json: { email: user.email, password: "second-password-2" } });
    expect(login.status).toBe(200);
    // The link reached that mailbox alone: following it proved the address.
    expect(decodeJwt(login.json.access_token).email_verified).toBe(true);
    const audit = await call("GET", "/org/audit", { token: login.json.access_token });
    expect(audit.json.entries.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(["user.password_reset_requested", "user.password_reset"]),
    );
    expect(audit.text).not.toContain(token);
  });

  it("a used, unknown, voided or expired link is one 410; a refused password consumes nothing", async () => {
    const { email } = await signUp();
    await mailbox.next(email);
    await requestReset(email);
    const first = tokenIn(await mailbox.next(email), "reset");
    await requestReset(email);
    const second = tokenIn(await mailbox.next(email), "reset");

    const voided = await confirmReset(first, "another-password-3");
    expect(voided.status).toBe(410);
    expect(voided.contentType).toBe("application/problem+json");
    // A password the rules refuse: 422, and the link still works.
    expect((await confirmReset(second, "short")).status).toBe(422);
    expect((await confirmReset(second, "another-password-3")).status).toBe(200);
    await mailbox.next(email); // the notice
    const used = await confirmReset(second, "yet-another-password-4");
    const forged = await confirmReset("A".repeat(43), "yet-another-password-4");
    expect(problemOf(used)).toEqual(problemOf(voided));
    expect(problemOf(forged)).toEqual(problemOf(voided));

    await requestReset(email);
    const third = tokenIn(await mailbox.next(email), "reset");
    const db = await database();
    await db.accountTokens.updateMany(
      { purpose: "password_reset" },
      { $set: { expires_at: new Date(Date.now() - 1) } },
    );
    expect(problemOf(await confirmReset(third, "yet-another-password-4"))).toEqual(problemOf(voided));
  });

  it("of 20 confirms of one link at once, exactly one sets a password", async () => {
    const { email } = await signUp();
    await mailbox.next(email);
    await requestReset(email);
    const token = tokenIn(await mailbox.next(email), "reset");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => confirmReset(token, `racing-password-${i}`)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 410)).toHaveLength(19);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const login = (password: string) => call("POST", "/admin/login", { json: { email, password } });
    expect((await login(`racing-password-${winner}`)).status).toBe(200);
    expect((await login(`racing-password-${(winner + 1) % 20}`)).status).toBe(401);
  });

  it("never bypasses two-factor login: the next login still asks for a code", async () => {
    const user = await signUp();
    await mailbox.next(user.email);
    const enrollment = await call("POST", "/me/mfa/totp", { token: user.token });
    const secret = enrollment.json.secret as string;
    expect(
      (await call("POST", "/me/mfa/totp/verify", { token: user.token, json: { code: totpCode(secret) } })).status,
    ).toBe(200);
    await requestReset(user.email);
    const token = tokenIn(await mailbox.next(user.email), "reset");
    expect((await confirmReset(token, "after-reset-password")).status).toBe(200);
    const login = await call("POST", "/admin/login", {
      json: { email: user.email, password: "after-reset-password" },
    });
    expect(login.status).toBe(200);
    expect(login.json).toEqual({ mfa_required: true, mfa_token: expect.any(String), expires_in: 300 });
  });

  it("a two-factor login begun with the old password cannot be completed after a reset", async () => {
    const user = await signUp();
    await mailbox.next(user.email);
    const secret = (await call("POST", "/me/mfa/totp", { token: user.token })).json.secret as string;
    await call("POST", "/me/mfa/totp/verify", { token: user.token, json: { code: totpCode(secret) } });
    // The attacker knows the old password and is waiting for a phished code.
    const started = await call("POST", "/admin/login", { json: { email: user.email, password: user.password } });
    expect(started.json.mfa_required).toBe(true);
    await requestReset(user.email);
    expect((await confirmReset(tokenIn(await mailbox.next(user.email), "reset"), "after-reset-pass-1")).status).toBe(
      200,
    );
    const completed = await call("POST", "/auth/mfa", {
      json: { mfa_token: started.json.mfa_token, code: totpCode(secret, new Date(Date.now() + 30_000)) },
    });
    expect(completed.status).toBe(401);
  });

  it("is throttled per address alike for known and unknown ones: the same 429 with Retry-After", async () => {
    const { email } = await signUp();
    const ghost = `ghost.${unique()}@account.example`;
    for (let i = 0; i < PER_EMAIL; i++) {
      expect((await requestReset(email)).status).toBe(202);
      expect((await requestReset(ghost)).status).toBe(202);
    }
    const known = await requestReset(email);
    const unknown = await requestReset(ghost);
    expect(known.status).toBe(429);
    expect(Number(known.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(known.json.detail).toMatch(/^Too many requests for mailed links; try again in \d+ seconds\.$/);
    // Alike but for the seconds left, which count from each address's own first request.
    const withoutSeconds = (answer: HttpAnswer) =>
      JSON.stringify(problemOf(answer)).replace(/\d+ seconds/, "N seconds");
    expect(withoutSeconds(unknown)).toEqual(withoutSeconds(known));
    // Its own count: asking for links locks nobody out of logging in.
    expect((await call("POST", "/admin/login", { json: { email, password: "first-password-1" } })).status).toBe(200);
  });
});

describe("email verification", () => {
  it("sign-up mails a link that verifies the address once; GET /me and the next refresh say so", async () => {
    const user = await signUp();
    const mail = await mailbox.next(user.email);
    expect(mail.parsed.html).toContain("#verify=");
    expect((await call("GET", "/me", { token: user.token })).json.email_verified).toBe(false);
    expect(decodeJwt(user.token).email_verified).toBe(false);

    const token = tokenIn(mail, "verify");
    const verified = await call("POST", "/auth/verify-email", { json: { token } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json).toEqual({ email: user.email, email_verified: true });
    expect((await call("GET", "/me", { token: user.token })).json.email_verified).toBe(true);
    const members = await call("GET", "/org/members", { token: user.token });
    expect(members.json.members).toEqual([expect.objectContaining({ email: user.email, email_verified: true })]);
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: user.refreshToken } });
    expect(decodeJwt(refreshed.json.access_token).email_verified).toBe(true);
    expect((await call("POST", "/auth/verify-email", { json: { token } })).status).toBe(410);
  });

  it("a new link voids the older one; once verified, asking again is a 409", async () => {
    const user = await signUp();
    const first = tokenIn(await mailbox.next(user.email), "verify");
    const resent = await call("POST", "/me/verify-email", { token: user.token });
    expect(resent.status, resent.text).toBe(202);
    expect(resent.json).toEqual({ email: user.email, mail_sent: true });
    const second = tokenIn(await mailbox.next(user.email), "verify");
    expect((await call("POST", "/auth/verify-email", { json: { token: first } })).status).toBe(410);
    expect((await call("POST", "/auth/verify-email", { json: { token: second } })).status).toBe(200);
    expect((await call("POST", "/me/verify-email", { token: user.token })).status).toBe(409);
  });
});

describe("email change", () => {
  it("is pending until the new address confirms it; the old one is told; confirming switches, verifies and ends other sessions", async () => {
    const user = await signUp();
    await mailbox.next(user.email);
    const other = await call("POST", "/admin/login", { json: { email: user.email, password: user.password } });
    const newEmail = `moved.${unique()}@account.example`;
    const asked = await call("PUT", "/org/update", {
      token: user.token,
      json: { organization_name: user.name, email: newEmail, current_password: user.password },
    });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.json.pending_email).toEqual({ email: newEmail, expires_at: expect.any(String), mail_sent: true });
    expect(asked.json).not.toHaveProperty("access_token");

    // Nothing changed yet: the old address logs in, the new one does not.
    expect((await call("GET", "/me", { token: user.token })).json.email).toBe(user.email);
    expect((await call("POST", "/admin/login", { json: { email: newEmail, password: user.password } })).status).toBe(
      401,
    );
    const notice = await mailbox.next(user.email);
    expect(notice.parsed.text).toContain(newEmail);
    expect(notice.parsed.text).not.toMatch(/#confirm-email=/);
    const token = tokenIn(await mailbox.next(newEmail), "confirm-email");

    const confirmed = await call("POST", "/auth/confirm-email", { token: user.token, json: { token } });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.json).toMatchObject({ email: newEmail, email_verified: true, access_token: expect.any(String) });
    // The caller's session goes on under new tokens; every other one ended.
    expect((await call("GET", "/me", { token: user.token })).status).toBe(401);
    expect((await call("GET", "/me", { token: other.json.access_token })).status).toBe(401);
    const me = await call("GET", "/me", { token: confirmed.json.access_token });
    expect(me.json).toMatchObject({ email: newEmail, email_verified: true });
    expect((await call("POST", "/admin/login", { json: { email: newEmail, password: user.password } })).status).toBe(
      200,
    );
    expect((await call("POST", "/auth/confirm-email", { json: { token } })).status).toBe(410);
  });

  it("two users confirming the same new address at once: exactly one gets it", async () => {
    const [a, b] = await Promise.all([signUp(), signUp()]);
    await Promise.all([mailbox.next(a!.email), mailbox.next(b!.email)]);
    const wanted = `wanted.${unique()}@account.example`;
    for (const user of [a!, b!]) {
      const asked = await call("PUT", "/org/update", {
        token: user.token,
        json: { organization_name: user.name, email: wanted, current_password: user.password },
      });
      expect(asked.status, asked.text).toBe(200);
    }
    const tokens = [
      tokenIn(await mailbox.next(wanted), "confirm-email"),
      tokenIn(await mailbox.next(wanted), "confirm-email"),
    ];
    const answers = await Promise.all(tokens.map((token) => call("POST", "/auth/confirm-email", { json: { token } })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const db = await database();
    expect(await db.users.countDocuments({ email: wanted })).toBe(1);
  });

  it("asking for an address another user has answers as for a free one, and mails it only a notice without a link", async () => {
    const [a, b] = await Promise.all([signUp(), signUp()]);
    await Promise.all([mailbox.next(a!.email), mailbox.next(b!.email)]);
    const ask = (email: string) =>
      call("PUT", "/org/update", {
        token: a!.token,
        json: { organization_name: a!.name, email, current_password: a!.password },
      });
    const free = await ask(`free.${unique()}@account.example`);
    const taken = await ask(b!.email);
    const shape = (answer: HttpAnswer) => ({
      status: answer.status,
      keys: Object.keys(answer.json).sort(),
      pending: Object.keys(answer.json.pending_email).sort(),
      mailSent: answer.json.pending_email.mail_sent,
    });
    expect(shape(taken)).toEqual(shape(free));
    // Its sign-up's, then a notice that nothing changes: nothing there confirms the change.
    const notice = await mailbox.next(b!.email);
    expect(notice.parsed.text).toContain("nothing changes");
    expect(notice.parsed.text).not.toMatch(/#confirm-email=/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mailbox.received.filter((mail) => mail.recipients.includes(b!.email))).toHaveLength(2);
  });

  it("a stolen token alone cannot ask for the attacker's address (422, a wrong guess 401, nothing mailed to it); a change asked with the password too dies with the reset its notice asks for", async () => {
    const victim = await signUp();
    await mailbox.next(victim.email);
    // The attacker holds a stolen session of the victim's and asks for their own address.
    const stolen = await call("POST", "/admin/login", { json: { email: victim.email, password: victim.password } });
    const attackerEmail = `attacker.${unique()}@evil.example`;
    const ask = (currentPassword?: string) =>
      call("PUT", "/org/update", {
        token: stolen.json.access_token,
        json: {
          organization_name: victim.name,
          email: attackerEmail,
          ...(currentPassword !== undefined && { current_password: currentPassword }),
        },
      });
    const withoutPassword = await ask();
    expect(withoutPassword.status, withoutPassword.text).toBe(422);
    expect(withoutPassword.json.errors).toEqual([{ path: "current_password", message: expect.any(String) }]);
    const wrongGuess = await ask("a-guess-at-it-1");
    expect(wrongGuess.status, wrongGuess.text).toBe(401);
    expect(wrongGuess.contentType).toBe("application/problem+json");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mailbox.received.filter((mail) => mail.recipients.includes(attackerEmail))).toEqual([]);
    expect((await call("GET", "/me", { token: stolen.json.access_token })).json.email).toBe(victim.email);

    // An attacker who has the password as well (phished with the token): the change they ask for
    // waits for the link mailed to them, and the victim is told.
    const asked = await ask(victim.password);
    expect(asked.status, asked.text).toBe(200);
    const link = tokenIn(await mailbox.next(attackerEmail), "confirm-email");
    await mailbox.next(victim.email); // the notice, which says to reset the password
    await requestReset(victim.email);
    expect(
      (await confirmReset(tokenIn(await mailbox.next(victim.email), "reset"), "victims-new-password")).status,
    ).toBe(200);
    const confirmed = await call("POST", "/auth/confirm-email", { json: { token: link } });
    expect(confirmed.status).toBe(410);
    expect((await call("GET", "/me", { token: stolen.json.access_token })).status).toBe(401);
    expect(
      (await call("POST", "/admin/login", { json: { email: victim.email, password: "victims-new-password" } })).status,
    ).toBe(200);
  });

  it("is counted like a reset request: past the limit for the new address, 429", async () => {
    const user = await signUp();
    const wanted = `counted.${unique()}@account.example`;
    const answers: number[] = [];
    for (let i = 0; i <= PER_EMAIL; i++) {
      answers.push(
        (
          await call("PUT", "/org/update", {
            token: user.token,
            json: { organization_name: user.name, email: wanted, current_password: user.password },
          })
        ).status,
      );
    }
    expect(answers.slice(0, PER_EMAIL)).toEqual(Array(PER_EMAIL).fill(200));
    expect(answers.at(-1)).toBe(429);
  });
});

describe("with REQUIRE_VERIFIED_EMAIL", () => {
  beforeAll(() => {
    process.env.REQUIRE_VERIFIED_EMAIL = "true";
    resetConfig();
  });
  afterAll(() => {
    delete process.env.REQUIRE_VERIFIED_EMAIL;
    resetConfig();
  });

  it("an unverified user signs in but gets only what verifying needs, until verified", async () => {
    const user = await signUp();
    const token = tokenIn(await mailbox.next(user.email), "verify");
    expect(decodeJwt(user.token).email_verified).toBe(false);
    for (const [method, path, json] of [
      ["GET", "/org/members", undefined],
      ["POST", "/org/invitations", { email: `invitee.${unique()}@account.example`, role: "member" }],
      ["POST", "/org/data/documents", { title: "not yet" }],
    ] as const) {
      const refused = await call(method, path, { token: user.token, ...(json && { json }) });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.type).toBe("urn:org-service:problem:email-not-verified");
    }
    const created = await call("POST", "/org/create", {
      token: user.token,
      json: { organization_name: `Unverified ${unique()}` },
    });
    expect(created.status).toBe(403);
    expect(created.json.type).toBe("urn:org-service:problem:email-not-verified");
    // A member's view of the organization is what anyone sees until then.
    expect(
      (await call("GET", `/org/get?organization_name=${encodeURIComponent(user.name)}`, { token: user.token })).json,
    ).not.toHaveProperty("admin_email");
    expect((await call("GET", "/me", { token: user.token })).status).toBe(200);
    expect((await call("POST", "/auth/verify-email", { json: { token } })).status).toBe(200);
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: user.refreshToken } });
    expect(decodeJwt(refreshed.json.access_token).email_verified).toBe(true);
    const members = await call("GET", "/org/members", { token: refreshed.json.access_token });
    expect(members.status, members.text).toBe(200);
    expect((await call("POST", "/auth/logout", { token: refreshed.json.access_token })).status).toBe(200);
  });
});
