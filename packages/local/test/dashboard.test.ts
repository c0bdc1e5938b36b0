import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDatabase, resetConfig } from "@org-service/core";
import { ObjectId } from "mongodb";
import { useIsolatedDatabases, database, mailedToken, startTestDnsServer, totpCode } from "@org-service/core/testing";
import { startLocalServer, type LocalServer } from "../src/server";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHROMIUM } from "./support/chromium-setup";
import { startOpenIdProvider } from "./support/identity-provider";
import { httpClient } from "./support/http";
import { verifyDomainOverHttp } from "./support/verified-domain";

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the local
 * server and a real database: every action through the page, asserting what the page shows.
 */
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "artifacts");

const databases = useIsolatedDatabases(inject("mongodbUri"));
let server: LocalServer;
let context: BrowserContext;
let profile: string;
let page: Page;
/** Console errors and uncaught exceptions: a CSP violation or a script error fails the test. */
const pageErrors: string[] = [];

beforeAll(async () => {
  delete process.env.JWT_ISSUER;
  server = await startLocalServer({ port: 0 });
  profile = await mkdtemp(path.join(tmpdir(), "dashboard-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1000 },
  });
  page = watch(context.pages()[0] ?? (await context.newPage()));
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  await server?.close();
  await databases.drop();
  await closeDatabase();
});

/** Records the page's console errors and uncaught exceptions in {@link pageErrors}. */
function watch(tab: Page): Page {
  tab.on("console", (message) => {
    // The 4xx answers the test provokes are logged by Chromium as failed loads; those are expected.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      pageErrors.push(message.text());
  });
  tab.on("pageerror", (error) => pageErrors.push(error.message));
  return tab;
}

const section = (name: string, tab: Page = page): Locator => tab.getByRole("region", { name, exact: true });
/** The header's status line: the organization and the role, once signed in. */
const header = (tab: Page = page): Locator => tab.locator("#session");
const sectionsNav = (tab: Page = page): Locator => tab.getByRole("navigation", { name: "Sections" });
/** The headings of the sections in view: the signed-out page's, or the one signed-in section open. */
const visibleSections = (tab: Page = page): Promise<string[]> =>
  tab.locator("#signed-out > section:visible > h2, #signed-in > section:visible > h2").allTextContents();
const SIGNED_OUT = ["Sign in", "Create an organization", "Look up an organization"];

/** Opens a signed-in section from the navigation, as a user would. */
async function go(name: string, tab: Page = page): Promise<Locator> {
  await sectionsNav(tab).getByRole("link", { name, exact: true }).click();
  const opened = section(name, tab);
  await opened.waitFor();
  return opened;
}

async function signIn(tab: Page, email: string, password: string): Promise<void> {
  const form = section("Sign in", tab);
  await form.getByLabel("Email", { exact: true }).fill(email);
  await form.getByLabel("Password", { exact: true }).fill(password);
  await form.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Waits until the element's text contains `expected` (the page updates asynchronously). */
async function expectText(locator: Locator, expected: string | RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? "";
    if (typeof expected === "string" ? text.includes(expected) : expected.test(text)) return text;
    await locator.page().waitForTimeout(100);
  }
  throw new Error(`Expected ${String(locator)} to show ${String(expected)}, but it shows: ${text}`);
}

/** A request to the API, for what the test sets up without the page: its JSON answer, or it fails. */
async function post(route: string, body: object, token?: string): Promise<Record<string, string>> {
  const response = await fetch(`${server.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${answer}`);
  return JSON.parse(answer);
}

/** `GET /me` with a token: whether its session is still live (200) or ended (401). */
const me = (token: string) => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });

describe("the dashboard", () => {
  const suffix = Date.now().toString(36);
  const name = `Dashboard Org ${suffix}`;
  const renamed = `Dashboard Renamed ${suffix}`;
  const email = `admin.${suffix}@dashboard.example`;
  const newEmail = `owner.${suffix}@dashboard.example`;

  it("sign up → look up → sign in → rename → change credentials → live collection → delete", async () => {
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe("org-service dashboard");
    await expectText(header(), "Not signed in.");
    // Signed out: sign in, sign up and the public lookup, nothing else (nothing disabled in view).
    expect(await visibleSections()).toEqual(SIGNED_OUT);
    expect(await sectionsNav().isHidden()).toBe(true);
    expect(await page.locator("main :disabled:visible").count()).toBe(0);

    // Sign up: an organization and its first owner.
    const signup = section("Create an organization");
    await signup.getByLabel("Organization name").fill(name);
    await signup.getByLabel("Your email").fill(email);
    await signup.getByLabel("Choose a password").fill("first-password");
    await signup.getByRole("button", { name: "Create organization" }).click();
    const created = await expectText(signup.getByRole("status"), `Created ${name}.`);
    expect(created).toContain(`org_dashboard_org_${suffix}`);
    expect(created).toContain(email);

    // A field error is shown, and the field marked invalid.
    await signup.getByLabel("Organization name").fill(name);
    await signup.getByLabel("Your email").fill("not-an-email");
    await signup.getByLabel("Choose a password").fill("short");
    await signup.getByRole("button", { name: "Create organization" }).click();
    await expectText(signup.getByRole("status"), "Unprocessable Content");
    expect(await signup.getByLabel("Your email").getAttribute("aria-invalid")).toBe("true");

    // The public lookup: found, without what only members see.
    const lookup = section("Look up an organization");
    await lookup.getByLabel("Organization name").fill(name.toUpperCase());
    await lookup.getByRole("button", { name: "Look up" }).click();
    const found = await expectText(lookup.getByRole("status"), `Found ${name}.`);
    expect(found).not.toContain(email);

    // Sign in with the keyboard only: type, Tab, type, Enter.
    await section("Sign in").getByLabel("Email", { exact: true }).focus();
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    await page.keyboard.type("first-password");
    await page.keyboard.press("Enter");
    await expectText(header(), `Signed in to ${name} as owner.`);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("org-service.session")')).toContain("token");

    // Signed in: one section at a time, the organization's first; an owner's token opens them all.
    expect(await visibleSections()).toEqual(["Organization"]);
    expect(await sectionsNav().getByRole("link").allTextContents()).toEqual([
      "Organization",
      "Members",
      "Documents",
      "Single sign-on",
      "Sessions & security",
    ]);
    expect(await sectionsNav().getByRole("link", { name: "Organization" }).getAttribute("aria-current")).toBe("page");
    const organization = section("Organization");
    // As a member of it, the admin email is shown.
    const shown = await expectText(organization.locator("#organization-details"), email);
    expect(shown).toContain(`org_dashboard_org_${suffix}`);
    expect(await organization.locator("#organization-limits").isHidden()).toBe(true);

    // Rename: the header follows.
    await organization.getByLabel("New name").fill(renamed);
    await organization.getByRole("button", { name: "Rename" }).click();
    await expectText(page.locator("#rename-result"), `Renamed to ${renamed}.`);
    await expectText(header(), `Signed in to ${renamed} as owner.`);
    await expectText(organization.locator("#organization-details"), renamed);

    // Change both credentials: the page carries on with the new token the answer brings, and the
    // new email waits for the link mailed to it.
    const security = await go("Sessions & security");
    expect(await visibleSections()).toEqual(["Sessions & security"]);
    expect(await sectionsNav().getByRole("link", { name: "Organization" }).getAttribute("aria-current")).toBeNull();
    await security.getByLabel("New email").fill(newEmail);
    await security.getByLabel("New password").fill("second-password");
    await security.getByLabel("Current password").fill("first-password");
    await security.getByRole("button", { name: "Change credentials" }).click();
    await expectText(page.locator("#credentials-result"), "Changed the password.");
    await expectText(page.locator("#credentials-result"), `Check ${newEmail} to confirm the new address`);
    const oldLogin = await fetch(`${server.url}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "first-password" }),
    });
    expect(oldLogin.status).toBe(401);

    // The confirmation link, opened in this signed-in tab: this session continues with the tokens
    // of the answer, and the token leaves the address bar.
    const before = await page.evaluate<string | null>('sessionStorage.getItem("org-service.session")');
    await page.goto(`${server.url}/#confirm-email=${mailedToken(newEmail, "confirm-email")}`);
    await expectText(page.locator("#email-result"), `Your email is now ${newEmail}. Other sessions are signed out`);
    await expect.poll(() => page.url()).toBe(`${server.url}/`);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("org-service.session")')).not.toBe(before);
    await expectText(header(), `Signed in to ${renamed} as owner.`);

    // The live view of the tenant collection, with documents written straight into it.
    await go("Organization");
    const collection = page.locator("#collection");
    const collectionName = `org_dashboard_renamed_${suffix}`;
    await expectText(collection, collectionName);
    await expectText(collection, "0 documents");
    const db = await database();
    await db.tenants.collection(collectionName).insertMany([{ sku: "a" }, { sku: "b" }, { sku: "c" }]);
    await expectText(page.locator("#collection-count"), "3 documents");
    await db.tenants.collection(collectionName).insertOne({ sku: "d" });
    await organization.getByRole("button", { name: "Refresh" }).click();
    await expectText(page.locator("#collection-count"), "4 documents");

    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });

    // Delete, confirmed by typing the name: signed out, and told why.
    await organization.getByLabel("Type the organization's name to confirm").fill(renamed);
    await organization.getByRole("button", { name: "Delete organization" }).click();
    await expectText(page.locator("#signin-result"), `Deleted ${renamed}. You are signed out.`);
    await expectText(header(), "Not signed in.");
    expect(await visibleSections()).toEqual(SIGNED_OUT);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("org-service.session")')).toBeNull();
    expect(await db.tenants.listCollections({ name: collectionName }).toArray()).toEqual([]);

    await lookup.getByLabel("Organization name").fill(renamed);
    await lookup.getByRole("button", { name: "Look up" }).click();
    await expectText(lookup.getByRole("status"), "Not Found");

    expect(pageErrors).toEqual([]);
  });

  it("members: choose an organization → invite → accept the link in another tab → promote → demote oneself → remove → leave", async () => {
    const first = `Members Org ${suffix}`;
    const owner = `owner.${suffix}@members.example`;
    const member = `member.${suffix}@members.example`;
    const leaver = `leaver.${suffix}@members.example`;
    // Through the API, for speed: an owner of two organizations.
    await post("/org/create", { organization_name: first, email: owner, password: "owner-password" });
    const { access_token: ownerToken } = await post("/admin/login", { email: owner, password: "owner-password" });
    await post("/org/create", { organization_name: `Members Other ${suffix}` }, ownerToken);

    // Each tab has a session of its own (sessionStorage): the owner's tab, then the invited member's.
    // The tab in use is brought to the front: Chromium throttles a background tab's animation
    // frames, which each click waits on.
    const ownerTab = watch(await context.newPage());
    await ownerTab.goto(`${server.url}/`);
    await signIn(ownerTab, owner, "owner-password");
    // A member of two organizations who named none is asked which, the first choice focused.
    await expectText(ownerTab.locator("#signin-result"), "You are a member of several organizations.");
    expect(await ownerTab.evaluate<string | null>("document.activeElement.textContent")).toBe(
      `Sign in to ${first} (owner)`,
    );
    await ownerTab.keyboard.press("Enter");
    await expectText(header(ownerTab), `Signed in to ${first} as owner.`);

    // The header offers the other organization: switching opens a session there without the
    // password, and ends the one it leaves.
    const switcher = ownerTab.getByLabel("Switch organization");
    await switcher.waitFor();
    const left = await ownerTab.evaluate<string>("JSON.parse(sessionStorage.getItem('org-service.session')).token");
    await switcher.selectOption(`Members Other ${suffix}`);
    await expectText(header(ownerTab), `Signed in to Members Other ${suffix} as owner.`);
    await expect.poll(async () => (await me(left)).status).toBe(401);
    await switcher.selectOption(first);
    await expectText(header(ownerTab), `Signed in to ${first} as owner.`);

    // The navigation, with the keyboard: the section opens alone, its heading focused.
    await sectionsNav(ownerTab).getByRole("link", { name: "Members" }).focus();
    await ownerTab.keyboard.press("Enter");
    const members = section("Members", ownerTab);
    await members.waitFor();
    await expect.poll(() => ownerTab.evaluate<string | null>("document.activeElement.id")).toBe("members-title");
    expect(await visibleSections(ownerTab)).toEqual(["Members"]);
    expect(await sectionsNav(ownerTab).getByRole("link", { name: "Members" }).getAttribute("aria-current")).toBe(
      "page",
    );
    // Each section has its own address: back and forward move between them.
    await ownerTab.goBack();
    await section("Organization", ownerTab).waitFor();
    await ownerTab.goForward();
    await members.waitFor();
    const list = members.locator("#members-list");
    await expectText(list, `${owner} (you)`);

    // Invite: a field error first, then the accept link, shown and listed as pending.
    const invite = members.getByRole("form", { name: "Invite" });
    await invite.getByLabel("Email").fill("not-an-email");
    await invite.getByRole("button", { name: "Invite" }).click();
    await expectText(invite.getByRole("status"), "Unprocessable Content");
    expect(await invite.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
    await invite.getByLabel("Email").fill(member);
    await invite.getByLabel("Role").selectOption("member");
    await invite.getByRole("button", { name: "Invite" }).click();
    await expectText(invite.getByRole("status"), `Invited ${member} as member`);
    const link = await invite.getByLabel("Accept link").inputValue();
    expect(link).toMatch(new RegExp(`^${server.url.replaceAll(".", "\\.")}/#invitation=[\\w-]{43}$`));
    expect(await invite.getByLabel("Accept link").getAttribute("readonly")).not.toBeNull();
    await expectText(members.locator("#invitations"), `${member} as member`);
    // Fifty more through the API: the pending invitations now fill more than one page of the list.
    for (let i = 0; i < 50; i++) {
      await post("/org/invitations", { email: `pending${i}.${suffix}@members.example`, role: "member" }, ownerToken);
    }

    // Another invitation, revoked.
    const revoked = `revoked.${suffix}@members.example`;
    await invite.getByLabel("Email").fill(revoked);
    await invite.getByRole("button", { name: "Invite" }).click();
    await expectText(members.locator("#invitations"), revoked);
    await members.getByRole("button", { name: `Revoke the invitation of ${revoked}` }).click();
    await expectText(members.locator("#invitations-result"), `Revoked the invitation of ${revoked}.`);
    expect(await members.locator("#invitations").textContent()).not.toContain(revoked);
    // Every pending invitation is listed, the first one made (on the list's second page) too.
    await expect.poll(() => members.locator("#invitations li").count()).toBe(51);
    await expectText(members.locator("#invitations"), `${member} as member`);

    // The link, opened in a fresh tab: accept with a new password, signed in as a member.
    const memberTab = watch(await context.newPage());
    await memberTab.goto(link);
    const accept = section("Accept invitation", memberTab);
    expect(memberTab.url()).toBe(`${server.url}/`);
    await accept.getByLabel("Password").fill("member-password");
    await accept.getByRole("button", { name: "Accept invitation" }).click();
    await expectText(accept.getByRole("status"), `Joined ${first} as member.`);
    await expectText(header(memberTab), `Signed in to ${first} as member.`);
    // A member's token carries neither renaming, deleting nor single sign-on: not offered, and said why.
    expect(await sectionsNav(memberTab).getByRole("link").allTextContents()).toEqual([
      "Organization",
      "Members",
      "Documents",
      "Sessions & security",
    ]);
    const memberOrganization = section("Organization", memberTab);
    await expectText(
      memberOrganization.locator("#organization-limits"),
      "Your role, member, does not include renaming or deleting the organization.",
    );
    expect(await memberOrganization.getByRole("button", { name: "Rename" }).count()).toBe(0);
    expect(await memberOrganization.getByRole("button", { name: "Delete organization" }).count()).toBe(0);
    const memberView = await go("Members", memberTab);
    await expectText(memberView.locator("#members-list"), `${member} (you)`);
    expect(await memberView.locator("#members-list").textContent()).toContain(owner);
    // A member manages nobody: no role controls, no removal, no invitations; leaving is theirs.
    expect(await memberView.getByRole("button", { name: "Change role" }).count()).toBe(0);
    expect(await memberView.getByRole("button", { name: "Remove" }).count()).toBe(0);
    expect(await memberView.getByRole("form", { name: "Invite" }).count()).toBe(0);
    expect(await memberView.getByRole("button", { name: "Leave organization" }).isVisible()).toBe(true);
    await expectText(memberView, "Your role, member, does not include inviting people or changing roles.");

    // The owner promotes the new member to admin with the row's select.
    await ownerTab.bringToFront();
    await members.getByRole("button", { name: "Reload members" }).click();
    const row = list.locator("tr", { hasText: member });
    await expectText(row, "member");
    // Accepted, so no longer pending (the list reloads after the members).
    await expect.poll(() => members.locator("#invitations").textContent()).not.toContain(member);
    await row.getByLabel(`New role of ${member}`).selectOption("admin");
    await row.getByRole("button", { name: "Change role" }).click();
    await expectText(members.locator("#members-result"), `${member} is now admin.`);
    await expectText(row.locator("td").first(), "admin");

    // The member's token was revoked by the change: their next request ends the session, and says so.
    await memberTab.bringToFront();
    await memberView.getByRole("button", { name: "Reload members" }).click();
    await expectText(header(memberTab), "Not signed in.");
    await expectText(memberTab.locator("#signin-result"), "Your session has ended: sign in again.");
    expect(await visibleSections(memberTab)).toEqual(SIGNED_OUT);

    // Signed in again, as an admin: renaming and members are theirs; deleting and single sign-on
    // (`org:sso`, owners only) are not offered.
    await signIn(memberTab, member, "member-password");
    await expectText(header(memberTab), `Signed in to ${first} as admin.`);
    expect(await sectionsNav(memberTab).getByRole("link", { name: "Single sign-on" }).count()).toBe(0);
    const adminOrganization = await go("Organization", memberTab);
    await expectText(
      adminOrganization.locator("#organization-limits"),
      "Your role, admin, does not include deleting the organization.",
    );
    expect(await adminOrganization.getByRole("button", { name: "Rename" }).isVisible()).toBe(true);
    // The owner is out of reach, and demoting oneself ends the session. Opening the section reloads
    // the list: wait for that answer, or its rows could replace the one being changed.
    const reloaded = memberTab.waitForResponse(
      (response) => new URL(response.url()).pathname === "/org/members" && response.request().method() === "GET",
    );
    await go("Members", memberTab);
    await reloaded;
    const ownRow = memberView.locator("#members-list tr", { hasText: member });
    await expectText(ownRow, "admin");
    const ownerRow = memberView.locator("#members-list tr", { hasText: owner });
    expect(await ownerRow.getByRole("button").count()).toBe(0);
    expect(await ownRow.getByRole("option", { name: "owner" }).isDisabled()).toBe(true);
    await ownRow.getByLabel(`New role of ${member}`).selectOption("member");
    await ownRow.getByRole("button", { name: "Change role" }).click();
    await expectText(memberTab.locator("#signin-result"), "Your role is now member. Sign in again to continue.");
    await expectText(header(memberTab), "Not signed in.");

    // The owner removes them, after confirming.
    await ownerTab.bringToFront();
    await members.getByRole("button", { name: "Reload members" }).click();
    await expectText(row.locator("td").first(), "member");
    await row.getByRole("button", { name: `Remove ${member}` }).click();
    await row.getByRole("button", { name: "Yes, remove" }).click();
    await expectText(members.locator("#members-result"), `Removed ${member}.`);
    expect(await list.textContent()).not.toContain(member);

    // The server's refusal is shown: the last owner cannot leave.
    await members.getByRole("button", { name: "Leave organization" }).click();
    await members.getByRole("button", { name: "Yes, leave" }).click();
    await expectText(members.locator("#members-result"), "An organization keeps at least one owner");
    await expectText(header(ownerTab), `Signed in to ${first} as owner.`);

    // A member who leaves: invited and accepted through the API, then the button.
    const invited = await post("/org/invitations", { email: leaver, role: "member" }, ownerToken);
    await post("/invitations/accept", { token: invited.token, password: "leaver-password" });
    await members.getByRole("button", { name: "Reload members" }).click();
    await expectText(list, leaver);
    await memberTab.bringToFront();
    await signIn(memberTab, leaver, "leaver-password");
    await expectText(header(memberTab), `Signed in to ${first} as member.`);
    const leaverView = await go("Members", memberTab);
    await leaverView.getByRole("button", { name: "Leave organization" }).click();
    await leaverView.getByRole("button", { name: "Yes, leave" }).click();
    await expectText(memberTab.locator("#signin-result"), `You left ${first}. You are signed out.`);
    await expectText(header(memberTab), "Not signed in.");
    await ownerTab.bringToFront();
    await members.getByRole("button", { name: "Reload members" }).click();
    await expect.poll(() => list.textContent()).not.toContain(leaver);

    await ownerTab.screenshot({ path: path.join(ARTIFACTS, "dashboard-members.png"), fullPage: true });
    await Promise.all([ownerTab.close(), memberTab.close()]);
    expect(pageErrors).toEqual([]);
  });

  it("sessions: silent refresh → the session list → sign another out → two-factor setup with the QR code → sign out → the code step", async () => {
    const organization = `Sessions Org ${suffix}`;
    const user = `sessions.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: organization, email: user, password: "session-password" });
    // Another device's session, through the API.
    const other = await post("/admin/login", { email: user, password: "session-password" });
    // Short access tokens, so the page's silent refresh comes within the test (5 s after the sign-in).
    process.env.JWT_TTL_SECONDS = "60";
    resetConfig();
    const tab = watch(await context.newPage());
    const stored = async () =>
      JSON.parse((await tab.evaluate<string | null>(`sessionStorage.getItem("org-service.session")`)) ?? "null") as {
        token: string;
        refresh_token: string;
        session_id: string;
      } | null;
    try {
      await tab.goto(`${server.url}/`);
      await signIn(tab, user, "session-password");
      await expectText(header(tab), `Signed in to ${organization} as owner.`);
      const first = (await stored())!;
      expect(first.refresh_token).toMatch(/^[\w-]{43}$/);

      // The silent refresh: both tokens rotate in the background, the session stays the same.
      await expect.poll(async () => (await stored())?.refresh_token, { timeout: 20_000 }).not.toBe(first.refresh_token);
      const renewed = (await stored())!;
      expect(renewed.session_id).toBe(first.session_id);
      expect(renewed.token).not.toBe(first.token);
    } finally {
      delete process.env.JWT_TTL_SECONDS;
      resetConfig();
    }
    expect((await me((await stored())!.token)).status).toBe(200);

    // The session list: this one and the other device's; the other one signed out from here.
    const security = await go("Sessions & security", tab);
    const sessions = security.locator("#sessions-list");
    await security.getByRole("button", { name: "Reload sessions" }).click();
    await expectText(sessions, "this session");
    await expect.poll(() => sessions.locator("tr").count()).toBe(2);
    const otherRow = sessions.locator("tr", { hasNotText: "this session" });
    await otherRow.getByRole("button", { name: /^Sign out the session of/ }).click();
    await expectText(security.locator("#sessions-result"), "That session is signed out.");
    expect((await me(other.access_token!)).status).toBe(401);
    await expect.poll(() => sessions.locator("tr").count()).toBe(1);

    // Two-factor sign-in: the QR code drawn in the page, a code from the secret, the recovery codes.
    await security.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const qr = security.getByRole("img", { name: "QR code to scan with an authenticator app" });
    await qr.waitFor();
    expect(await qr.locator("path").count()).toBeGreaterThan(0);
    const secret = (await security.locator("#mfa-secret").textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await security.getByLabel("Code from the app").fill(totpCode(secret));
    await security.getByRole("button", { name: "Enable two-factor sign-in" }).click();
    await expectText(security.locator("#mfa-verify-result"), "Two-factor sign-in is on.");
    expect(await security.locator("#recovery-codes li").count()).toBe(10);
    await tab.screenshot({ path: path.join(ARTIFACTS, "dashboard-sessions.png"), fullPage: true });

    // Signing out ends the session on the server, not only in the page.
    const before = (await stored())!;
    await tab.getByRole("button", { name: "Sign out", exact: true }).click();
    await expectText(header(tab), "Not signed in.");
    await expectText(tab.locator("#signin-result"), "You are signed out.");
    expect((await me(before.token)).status).toBe(401);

    // The password, then the code step.
    await signIn(tab, user, "session-password");
    await expectText(tab.locator("#signin-result"), "Password accepted.");
    const step = tab.getByRole("form", { name: "Two-factor sign-in" });
    expect(await tab.evaluate<string | null>("document.activeElement.id")).toBe("mfa-code");
    // The next step's code: the one enabling spent this step's.
    await step.getByLabel("Code").fill(totpCode(secret, new Date(Date.now() + 30_000)));
    await step.getByRole("button", { name: "Verify" }).click();
    await expectText(header(tab), `Signed in to ${organization} as owner.`);
    // Back where the session was: the address still names the section.
    expect(await visibleSections(tab)).toEqual(["Sessions & security"]);
    await expectText(sessions, "two-factor");
    await tab.screenshot({ path: path.join(ARTIFACTS, "dashboard-two-factor.png"), fullPage: true });
    await tab.close();
    expect(pageErrors).toEqual([]);
  });

  it("a duplicated tab does not share the session: the first tab keeps it, the copy asks for a sign-in", async () => {
    const organization = `Duplicate Org ${suffix}`;
    const user = `duplicate.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: organization, email: user, password: "duplicate-password" });
    const original = watch(await context.newPage());
    await original.goto(`${server.url}/`);
    await signIn(original, user, "duplicate-password");
    await expectText(header(original), `Signed in to ${organization} as owner.`);
    // What "Duplicate tab" does: the same sessionStorage in a new tab.
    const kept = await original.evaluate<string>("sessionStorage.getItem('org-service.session')");
    const copy = watch(await context.newPage());
    await copy.goto(`${server.url}/`);
    await copy.evaluate(`sessionStorage.setItem("org-service.session", ${JSON.stringify(kept)})`);
    await copy.reload();
    await expectText(copy.locator("#signin-result"), "This session is open in another tab, which keeps it");
    await expectText(header(copy), "Not signed in.");
    // The first tab's session goes on, on the server too.
    const token = (JSON.parse(kept) as { token: string }).token;
    expect((await me(token)).status).toBe(200);
    await original.bringToFront();
    await go("Members", original);
    await expectText(header(original), `Signed in to ${organization} as owner.`);
    await copy.close();
    await original.close();
    expect(pageErrors).toEqual([]);
  });

  it("a write still on its way when the user switches organization is not sent again in the new one", async () => {
    const first = `Inflight Org ${suffix}`;
    const second = `Inflight Other ${suffix}`;
    const user = `inflight.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: first, email: user, password: "inflight-password" });
    const { access_token: token } = await post("/admin/login", { email: user, password: "inflight-password" });
    await post("/org/create", { organization_name: second }, token);
    const tab = watch(await context.newPage());
    await tab.goto(`${server.url}/`);
    await signIn(tab, user, "inflight-password");
    await section("Sign in", tab)
      .getByRole("button", { name: `Sign in to ${first} (owner)` })
      .click();
    await expectText(header(tab), `Signed in to ${first} as owner.`);

    // The insert is held on its way, with the first organization's token, while the user switches.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const insertSent = new Promise<void>((resolve) =>
      tab.route("**/org/data/documents", async (route) => {
        if (route.request().method() !== "POST") return route.continue();
        resolve();
        await held;
        await route.continue();
      }),
    );
    const documents = await go("Documents", tab);
    const insert = documents.getByRole("form", { name: "Insert" });
    await insert.getByLabel("New document (JSON)").fill('{"_id": "inflight", "from": "the first"}');
    await insert.getByRole("button", { name: "Insert" }).click();
    await insertSent;
    await tab.getByLabel("Switch organization").selectOption(second);
    await expectText(header(tab), `Signed in to ${second} as owner.`);
    // The first organization's session ended with the switch: the held insert is refused (401),
    // and the page must not refresh the new session and send it there.
    const refused = tab.waitForResponse((response) => response.url().endsWith("/org/data/documents"));
    release();
    expect((await refused).status()).toBe(401);
    // Had the page sent it again, it would have gone right after the refusal.
    await tab.waitForTimeout(500);
    for (const organization_name of [first, second]) {
      const login = await post("/admin/login", { email: user, password: "inflight-password", organization_name });
      const read = await fetch(`${server.url}/org/data/documents/inflight`, {
        headers: { authorization: `Bearer ${login.access_token}` },
      });
      expect(read.status, organization_name).toBe(404);
    }
    await tab.close();
    expect(pageErrors).toEqual([]);
  });

  it("switching from a session that did not pass the second factor asks for the code first", async () => {
    const first = `Switch Org ${suffix}`;
    const second = `Switch Other ${suffix}`;
    const user = `switch.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: first, email: user, password: "switch-password" });
    // A session opened before two-factor sign-in was turned on: it did not pass the second factor.
    const login = await post("/admin/login", { email: user, password: "switch-password" });
    const { secret } = await post("/me/mfa/totp", {}, login.access_token);
    await post("/me/mfa/totp/verify", { code: totpCode(secret!) }, login.access_token);
    await post("/org/create", { organization_name: second }, login.access_token);

    // That session in a tab, as the page keeps it.
    const tab = watch(await context.newPage());
    await tab.goto(`${server.url}/`);
    const kept = {
      token: login.access_token,
      refresh_token: login.refresh_token,
      session_id: login.session_id,
      expires_at: Date.now() + Number(login.expires_in) * 1000,
      organization_id: login.organization_id,
      organization_name: login.organization_name,
      role: login.role,
      user_id: login.user_id,
    };
    await tab.evaluate(`sessionStorage.setItem("org-service.session", ${JSON.stringify(JSON.stringify(kept))})`);
    await tab.reload();
    await expectText(header(tab), `Signed in to ${first} as owner.`);

    await tab.getByLabel("Switch organization").selectOption(second);
    await expectText(
      tab.locator("#signin-result"),
      `Enter the code from your authenticator app to switch to ${second}.`,
    );
    // The session it left is over; the new one waits for the code.
    expect((await me(login.access_token!)).status).toBe(401);
    const step = tab.getByRole("form", { name: "Two-factor sign-in" });
    // The next step's code: enabling spent this step's.
    await step.getByLabel("Code").fill(totpCode(secret!, new Date(Date.now() + 30_000)));
    await step.getByRole("button", { name: "Verify" }).click();
    await expectText(header(tab), `Signed in to ${second} as owner.`);
    await tab.close();
    expect(pageErrors).toEqual([]);
  });

  it("an organization that requires two-factor sign-in: only Sessions & security, until a factor is set up", async () => {
    const organization = `Mfa Org ${suffix}`;
    const user = `mfa.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: organization, email: user, password: "mfa-password" });
    const { access_token: token } = await post("/admin/login", { email: user, password: "mfa-password" });
    const policy = await fetch(`${server.url}/org/policies`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ require_mfa: true }),
    });
    expect(policy.status).toBe(200);
    const tab = watch(await context.newPage());
    await tab.goto(`${server.url}/`);
    await signIn(tab, user, "mfa-password");
    await expectText(header(tab), `Signed in to ${organization} as owner.`);
    // The token's scope is narrowed to what enrolling needs: the page offers that alone, and says why.
    expect(await sectionsNav(tab).getByRole("link").allTextContents()).toEqual(["Sessions & security"]);
    const security = section("Sessions & security", tab);
    await expectText(security, "Your organization requires two-factor sign-in.");
    expect(await security.getByRole("form", { name: "Change your email or password" }).count()).toBe(0);

    await security.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const secret = (await expectText(security.locator("#mfa-secret"), /^[A-Z2-7]{32}$/)).trim();
    await security.getByLabel("Code from the app").fill(totpCode(secret));
    await security.getByRole("button", { name: "Enable two-factor sign-in" }).click();
    await expectText(security.locator("#mfa-verify-result"), "Two-factor sign-in is on.");
    // A refreshed token carries the role's scopes again: every section opens.
    await expect.poll(() => sectionsNav(tab).getByRole("link").count()).toBe(5);
    expect(await security.locator("#mfa-required").isHidden()).toBe(true);
    await go("Documents", tab);
    await tab.close();
    expect(pageErrors).toEqual([]);
  });

  it("documents: insert through the form → edit → page with More → delete after confirming; invalid JSON sends nothing", async () => {
    const organization = `Documents Org ${suffix}`;
    const user = `documents.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: organization, email: user, password: "documents-password" });
    const { access_token: token } = await post("/admin/login", { email: user, password: "documents-password" });
    const tab = watch(await context.newPage());
    /** The page's requests to the document routes, to show that an invalid JSON sends none. */
    const documentRequests: string[] = [];
    tab.on("request", (request) => {
      if (new URL(request.url()).pathname.startsWith("/org/data/documents"))
        documentRequests.push(`${request.method()} ${request.url()}`);
    });
    await tab.goto(`${server.url}/`);
    await signIn(tab, user, "documents-password");
    await expectText(header(tab), `Signed in to ${organization} as owner.`);

    const documents = await go("Documents", tab);
    const list = documents.locator("#documents-list");
    const usage = documents.locator("#usage");
    await expectText(usage, "Documents0 of 100000");

    // Insert two through the form: one with its own _id, one with a generated one.
    const insert = documents.getByRole("form", { name: "Insert" });
    const json = insert.getByLabel("New document (JSON)");
    await json.fill('{"_id": "alpha", "city": "Paris", "n": 1}');
    await insert.getByRole("button", { name: "Insert" }).click();
    await expectText(insert.getByRole("status"), "Inserted alpha.");
    await json.fill('{"city": "Lyon", "n": 2}');
    await insert.getByRole("button", { name: "Insert" }).click();
    const inserted = await expectText(insert.getByRole("status"), /Inserted [0-9a-f]{24}\./);
    const generated = /Inserted ([0-9a-f]{24})\./.exec(inserted)![1]!;
    await expect.poll(() => list.locator("tr").count()).toBe(2);
    await expectText(list.locator("tr", { hasText: "alpha" }), '{"city":"Paris","n":1}');
    await expectText(list.locator("tr", { hasText: generated }), '{"city":"Lyon","n":2}');
    await expectText(usage, "Documents2 of 100000");

    // Invalid JSON: a message, the field marked, and no request.
    const sent = documentRequests.length;
    await json.fill('{"city": ');
    await insert.getByRole("button", { name: "Insert" }).click();
    await expectText(insert.getByRole("status"), "The document is not valid JSON");
    expect(await json.getAttribute("aria-invalid")).toBe("true");
    expect(documentRequests.length).toBe(sent);
    // The server's refusal, with the offending field's path.
    await json.fill('{"ok": 1, "bad": {"$where": "1"}}');
    await insert.getByRole("button", { name: "Insert" }).click();
    await expectText(insert.getByRole("status"), "Unprocessable Content");
    await expectText(insert.getByRole("status"), "bad.$where");
    expect(await json.getAttribute("aria-invalid")).toBe("true");
    await json.fill('{"_id": "alpha"}');
    await insert.getByRole("button", { name: "Insert" }).click();
    await expectText(insert.getByRole("status"), "Conflict");

    // Edit: the stored JSON loaded into the form, saved with PUT, the row updated.
    await list.getByRole("button", { name: "Edit alpha" }).click();
    const edit = documents.getByRole("form", { name: "Edit document alpha" });
    const editJson = edit.getByLabel("Document JSON");
    await editJson.waitFor();
    await expect.poll(() => tab.evaluate<string | null>("document.activeElement.id")).toBe("document-edit-json");
    expect(JSON.parse(await editJson.inputValue())).toEqual({ _id: "alpha", city: "Paris", n: 1 });
    await editJson.fill('{"_id": "alpha", "city": "Marseille", "n": 1}');
    await edit.getByRole("button", { name: "Save" }).click();
    await expectText(documents.locator("#documents-result"), "Saved alpha.");
    await expectText(list.locator("tr", { hasText: "alpha" }), '{"city":"Marseille","n":1}');
    expect(await edit.isHidden()).toBe(true);

    // Three more through the API, then pages of two: "More documents" until the last.
    for (const n of [3, 4, 5]) {
      const response = await fetch(`${server.url}/org/data/documents`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ _id: `doc-${n}`, city: "Nantes", n }),
      });
      expect(response.status).toBe(201);
    }
    const query = documents.getByRole("form", { name: "List" });
    await query.getByLabel("Sort by field").fill("n");
    await query.getByLabel("Per page").fill("2");
    await query.getByRole("button", { name: "List" }).click();
    await expectText(query.getByRole("status"), "Showing 2 documents; more");
    const more = documents.getByRole("button", { name: "More documents" });
    await more.click();
    await expect.poll(() => list.locator("tr").count()).toBe(4);
    await more.click();
    await expect.poll(() => list.locator("tr").count()).toBe(5);
    expect(await more.isHidden()).toBe(true);
    expect(await list.locator("th").allTextContents()).toEqual(["alpha", generated, "doc-3", "doc-4", "doc-5"]);
    await expectText(usage, "Documents5 of 100000");

    // A filter, sent as filter=.
    await query.getByLabel("Filter").fill('{"city": "Nantes", "n": {"$gte": 4}}');
    await query.getByLabel("Order").selectOption("desc");
    await query.getByRole("button", { name: "List" }).click();
    await expectText(query.getByRole("status"), "Showing 2 documents.");
    expect(await list.locator("th").allTextContents()).toEqual(["doc-5", "doc-4"]);
    await query.getByLabel("Filter").fill("");
    await query.getByLabel("Order").selectOption("asc");
    await query.getByRole("button", { name: "List" }).click();
    await expectText(query.getByRole("status"), "Showing 2 documents; more");

    // Delete, after confirming in the page.
    await list.getByRole("button", { name: "Delete alpha" }).click();
    await list.getByRole("button", { name: "Yes, delete" }).click();
    await expectText(documents.locator("#documents-result"), "Deleted alpha.");
    expect(await list.textContent()).not.toContain("alpha");
    await expectText(usage, "Documents4 of 100000");
    const gone = await fetch(`${server.url}/org/data/documents/alpha`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(404);
    await tab.screenshot({ path: path.join(ARTIFACTS, "dashboard-documents.png"), fullPage: true });
    // The organization's live view of the collection counts the page's own writes.
    await go("Organization", tab);
    await expectText(tab.locator("#collection-count"), "4 documents");

    await tab.close();
    expect(pageErrors).toEqual([]);
  });

  it("account links: unverified notice → the verify link → forgot password → the reset link → sign in with the new password; a used link is gone", async () => {
    const organization = `Account Org ${suffix}`;
    const user = `account.${suffix}@dashboard.example`;
    await post("/org/create", { organization_name: organization, email: user, password: "old-password" });
    await page.goto(`${server.url}/`);
    const logIn = async (password: string) => {
      await signIn(page, user, password);
      await expectText(header(), `Signed in to ${organization} as owner.`);
    };
    const logOut = async () => {
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expectText(header(), "Not signed in.");
    };

    // Signed in with an address not verified yet: the notice, and a new link on request.
    await logIn("old-password");
    const emailSection = section("Email address");
    await expectText(emailSection, "Your email is not verified.");
    await emailSection.getByRole("button", { name: "Send link again" }).click();
    await expectText(emailSection.locator("#email-resend-result"), `A new link is sent to ${user}.`);

    // The verify link: the result shown, the notice gone, the token out of the address bar.
    // As a query, as a link written by another sender would carry it: read, and dropped from the address too.
    await page.goto(`${server.url}/?verify=${mailedToken(user, "verify")}`);
    await expectText(emailSection.locator("#email-result"), `Your email ${user} is verified.`);
    await expect.poll(() => page.url()).toBe(`${server.url}/`);
    await expect.poll(() => page.locator("#email-notice").isHidden()).toBe(true);
    await logOut();

    // "Forgot password?" under the sign-in opens a small form; the answer is the same for any address.
    await section("Sign in").getByRole("button", { name: "Forgot password?" }).click();
    const reset = section("Reset your password");
    const forgot = reset.getByRole("form", { name: "Forgot your password?" });
    expect(await page.evaluate<string | null>("document.activeElement.id")).toBe("forgot-email");
    await forgot.getByLabel("Email").fill(user);
    await forgot.getByRole("button", { name: "Send reset link" }).click();
    await expectText(
      forgot.getByRole("status"),
      "If the address has an account, a link to set a new password is on its way.",
    );
    const link = `${server.url}/#reset=${mailedToken(user, "reset")}`;

    // The mailed link: the two passwords must match (checked in the page), then the new one is set.
    await page.goto(link);
    await expect.poll(() => page.url()).toBe(`${server.url}/`);
    const setForm = reset.getByRole("form", { name: "Set a new password" });
    await setForm.getByLabel(/^New password/).fill("new-password-1");
    await setForm.getByLabel("Confirm new password").fill("new-password-2");
    await setForm.getByRole("button", { name: "Set new password" }).click();
    await expectText(setForm.getByRole("status"), "The passwords do not match.");
    expect(await setForm.getByLabel("Confirm new password").getAttribute("aria-invalid")).toBe("true");
    await setForm.getByLabel("Confirm new password").fill("new-password-1");
    await setForm.getByRole("button", { name: "Set new password" }).click();
    await expectText(page.locator("#signin-result"), "Password changed: sign in with the new password.");
    expect(await reset.isHidden()).toBe(true);
    expect(await page.evaluate<string | null>("document.activeElement.id")).toBe("signin-email");
    await logIn("new-password-1");
    await logOut();

    // The same link again: used, so the problem's detail, and a way to ask for a new one.
    await page.goto(link);
    await setForm.getByLabel(/^New password/).fill("new-password-3");
    await setForm.getByLabel("Confirm new password").fill("new-password-3");
    await setForm.getByRole("button", { name: "Set new password" }).click();
    await expectText(setForm.getByRole("status"), "This password reset link is unknown, used, expired");
    await setForm.getByRole("button", { name: "Ask for a new link" }).click();
    await forgot.waitFor();
    expect(await page.evaluate<string | null>("document.activeElement.id")).toBe("forgot-email");
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-account.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("single sign-on: connect the provider in the settings → enable → sign in with SSO through the provider's pages", async () => {
    const domain = `sso-${suffix}.example`;
    const organization = `Sso Org ${suffix}`;
    const owner = `owner@${domain}`;
    const dns = await startTestDnsServer();
    process.env.SSO_ALLOW_PRIVATE_ISSUERS = "true";
    process.env.DNS_SERVERS = dns.address;
    resetConfig();
    let provider: Awaited<ReturnType<typeof startOpenIdProvider>> | undefined;
    const tab = watch(await context.newPage());
    try {
      await post("/org/create", { organization_name: organization, email: owner, password: "owner-password-1" });
      const login = await post("/admin/login", { email: owner, password: "owner-password-1" });
      await verifyDomainOverHttp(
        httpClient(() => server.url),
        { token: login.access_token! },
        domain,
        dns,
      );
      // The provider knows the organization's own redirect URI, as its administrator registers it.
      provider = await startOpenIdProvider({
        redirectUri: `${server.url}/auth/sso/callback/${login.organization_id}`,
        accounts: { alice: { email: `alice@${domain}`, emailVerified: true, name: "Alice" } },
      });

      // The owner connects the provider in the settings.
      await tab.goto(`${server.url}/`);
      await signIn(tab, owner, "owner-password-1");
      await expectText(header(tab), `Signed in to ${organization} as owner.`);
      const settings = await go("Single sign-on", tab);
      await expectText(settings.locator("#sso-status"), "No identity provider is connected.");
      await expectText(
        settings.locator("#sso-redirect-uri"),
        `${server.url}/auth/sso/callback/${login.organization_id}`,
      );
      await settings.getByLabel("Issuer URL").fill(provider.issuer);
      await settings.getByLabel("Client ID").fill(provider.clientId);
      await settings.getByLabel(/^Client secret/).fill(provider.clientSecret);
      await settings.getByRole("button", { name: "Save connection" }).click();
      await expectText(settings.locator("#sso-connection-result"), "Connection saved");
      await expectText(settings.locator("#sso-status"), `Connected to ${provider.issuer}: disabled.`);
      await settings.getByRole("button", { name: "Test connection" }).click();
      await expectText(settings.locator("#sso-settings-result"), "with 1 signing key");
      await settings.getByRole("button", { name: "Enable" }).click();
      await expectText(settings.locator("#sso-status"), "enabled.");
      await tab.getByRole("button", { name: "Sign out", exact: true }).click();
      await expectText(header(tab), "Not signed in.");

      // A member of the domain signs in through the provider's own pages: one click, one sign-in started.
      const db = await database();
      const started = () => db.ssoLogins.countDocuments({ organization_id: new ObjectId(login.organization_id) });
      const before = await started();
      await section("Sign in", tab).getByLabel("Work email or organization").fill(`alice@${domain}`);
      await tab.getByRole("button", { name: "Continue with single sign-on" }).click();
      await tab.waitForURL(`${provider.issuer}/**`);
      expect(await started()).toBe(before + 1);
      await tab.locator('input[name="login"]').fill("alice");
      await tab.locator('input[name="password"]').fill("anything");
      await tab.getByRole("button", { name: "Sign-in" }).click();
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.waitForURL(`${server.url}/**`);
      await expectText(header(tab), `Signed in to ${organization} as member.`);
      // The code left the address bar at once; no token was ever in a URL.
      expect(tab.url()).toBe(`${server.url}/`);
      // A member's token lacks `org:sso`: the settings are not offered.
      expect(await sectionsNav(tab).getByRole("link", { name: "Single sign-on" }).count()).toBe(0);
      await tab.screenshot({ path: path.join(ARTIFACTS, "dashboard-sso.png"), fullPage: true });
      expect(pageErrors).toEqual([]);
    } finally {
      await tab.close();
      await provider?.close();
      await dns.close();
      delete process.env.SSO_ALLOW_PRIVATE_ISSUERS;
      delete process.env.DNS_SERVERS;
      resetConfig();
    }
  });

  it("serves Swagger UI at /docs from this server, with bearer authorization", async () => {
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`${server.url}/docs`);
    await expectText(page.locator(".swagger-ui .info .title"), "org-service", 20_000);
    await expectText(page.locator(".swagger-ui"), "/org/collection");
    await page
      .getByRole("button", { name: /Authorize/ })
      .first()
      .click();
    await expectText(page.locator(".dialog-ux"), "bearer");
    await page.screenshot({ path: path.join(ARTIFACTS, "docs.png") });
    expect(requests.every((url) => url.startsWith(server.url))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
