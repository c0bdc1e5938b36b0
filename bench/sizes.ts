/**
 * `pnpm exec tsx bench/sizes.ts`: the bundle part of `pnpm bench` alone (seconds, not minutes),
 * for checking what an import change does to every handler's size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildAllBundles, topPackages } from "./lib/bundles";

const out = mkdtempSync(path.join(tmpdir(), "org-service-sizes-"));
try {
  const { handlers, failed, naive } = await buildAllBundles(out);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  for (const measured of [...handlers, naive]) {
    const top = topPackages(measured, 4)
      .map((p) => `${p.name} ${kb(p.bytes)}`)
      .join(", ");
    console.log(
      `${measured.name.padEnd(26)} ${kb(measured.staticBytes).padStart(10)}  ${(measured.staticBytes / naive.staticBytes).toFixed(2)}×  ${top}`,
    );
  }
  for (const { name, error } of failed) console.log(`${name}: FAILED ${error}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
