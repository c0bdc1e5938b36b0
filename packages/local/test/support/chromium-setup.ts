import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Vitest globalSetup: the browser test drives Debian's Chromium (playwright-core downloads no
 * browser). A fresh CI machine runs as root without it, so it is installed here when missing,
 * once per run, before any test starts.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default function setup(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing; install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  console.log(`[chromium] ${CHROMIUM} is missing: installing Debian's chromium (apt-get)`);
  const apt = (...args: string[]) =>
    execFileSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  apt("update");
  // A font too: without recommends, nothing would render the page's text in the screenshot.
  apt("install", "-y", "--no-install-recommends", "chromium", "fonts-liberation");
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
}
