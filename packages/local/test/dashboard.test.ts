import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDatabase } from "@org-service/core";
import { useIsolatedDatabases, database } from "@org-service/core/testing";
import { startLocalServer, type LocalServer } from "../src/server";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHROMIUM } from "./support/chromium-setup";

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
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    // The 4xx answers the test provokes are logged by Chromium as failed loads; those are expected.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      pageErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  await server?.close();
  await databases.drop();
  await closeDatabase();
});

const section = (name: string): Locator => page.getByRole("region", { name });
/** Waits until the element's text contains `expected` (the page updates asynchronously). */
async function expectText(locator: Locator, expected: string | RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? "";
    if (typeof expected === "string" ? text.includes(expected) : expected.test(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`Expected ${String(locator)} to show ${String(expected)}, but it shows: ${text}`);
}

describe("the dashboard", () => {
  const suffix = Date.now().toString(36);
  const name = `Dashboard Org ${suffix}`;
  const renamed = `Dashboard Renamed ${suffix}`;
  const email = `admin.${suffix}@dashboard.example`;
  const newEmail = `owner.${suffix}@dashboard.example`;

  it("create → log in → look up → rename → change credentials → live collection → delete", async () => {
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe("org-service dashboard");
    await expectText(page.locator("#session"), "Not logged in.");

    // Create.
    const create = section("Create an organization");
    await create.getByLabel("Organization name").fill(name);
    await create.getByLabel("Admin email").fill(email);
    await create.getByLabel("Admin password").fill("first-password");
    await create.getByRole("button", { name: "Create" }).click();
    const created = await expectText(create.getByRole("status"), `Created ${name}.`);
    expect(created).toContain(`org_dashboard_org_${suffix}`);
    expect(created).toContain(email);

    // A field error is shown, and the field marked invalid.
    await create.getByLabel("Organization name").fill(name);
    await create.getByLabel("Admin email").fill("not-an-email");
    await create.getByLabel("Admin password").fill("short");
    await create.getByRole("button", { name: "Create" }).click();
    await expectText(create.getByRole("status"), "Unprocessable Content");
    expect(await create.getByLabel("Admin email").getAttribute("aria-invalid")).toBe("true");

    // Log in with the keyboard only: type, Tab, type, Enter.
    const login = section("Log in");
    await login.getByLabel("Email").focus();
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    await page.keyboard.type("first-password");
    await page.keyboard.press("Enter");
    await expectText(page.locator("#session"), `Logged in to ${name} as owner.`);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("org-service.session")')).toContain("token");

    // Look up: as its admin, the email is shown.
    const lookup = section("Look up an organization");
    await lookup.getByLabel("Organization name").fill(name.toUpperCase());
    await lookup.getByRole("button", { name: "Look up" }).click();
    const found = await expectText(lookup.getByRole("status"), `Found ${name}.`);
    expect(found).toContain(email);

    // Rename.
    const own = section("Your organization");
    expect(await own.getByLabel("New name").isDisabled()).toBe(false);
    await own.getByLabel("New name").fill(renamed);
    await own.getByRole("button", { name: "Rename" }).click();
    await expectText(page.locator("#rename-result"), `Renamed to ${renamed}.`);
    await expectText(page.locator("#session"), `Logged in to ${renamed} as owner.`);

    // Change both credentials: the page carries on with the new token the answer brings.
    await own.getByLabel("New email").fill(newEmail);
    await own.getByLabel("New password").fill("second-password");
    await own.getByRole("button", { name: "Change credentials" }).click();
    await expectText(page.locator("#credentials-result"), "Changed the email and password.");
    const oldLogin = await fetch(`${server.url}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "first-password" }),
    });
    expect(oldLogin.status).toBe(401);

    // The live view of the tenant collection, with documents written straight into it.
    const collection = page.locator("#collection");
    const collectionName = `org_dashboard_renamed_${suffix}`;
    await expectText(collection, collectionName);
    await expectText(collection, "0 documents");
    const db = await database();
    await db.tenants.collection(collectionName).insertMany([{ sku: "a" }, { sku: "b" }, { sku: "c" }]);
    await expectText(page.locator("#collection-count"), "3 documents");
    await db.tenants.collection(collectionName).insertOne({ sku: "d" });
    await page.getByRole("button", { name: "Refresh" }).click();
    await expectText(page.locator("#collection-count"), "4 documents");
    expect(await collection.textContent()).toContain(renamed);

    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });

    // Delete, confirmed by typing the name.
    await own.getByLabel("Type the organization's name to confirm").fill(renamed);
    await own.getByRole("button", { name: "Delete organization" }).click();
    await expectText(page.locator("#delete-result"), `Deleted ${renamed}. You are logged out.`);
    await expectText(page.locator("#session"), "Not logged in.");
    expect(await own.getByLabel("New name").isDisabled()).toBe(true);
    expect(await db.tenants.listCollections({ name: collectionName }).toArray()).toEqual([]);

    await lookup.getByLabel("Organization name").fill(renamed);
    await lookup.getByRole("button", { name: "Look up" }).click();
    await expectText(lookup.getByRole("status"), "Not Found");

    expect(pageErrors).toEqual([]);
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
