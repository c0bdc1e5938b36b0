import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import swaggerUiBundleGzipped from "swagger-ui-dist/swagger-ui-bundle.js?gzip";
import swaggerUiCssText from "swagger-ui-dist/swagger-ui.css?raw";
import { describe, expect, it } from "vitest";
import { loadTextImport, withoutSourceMap } from "../text-imports";
import { handler as dashboard } from "../src/handlers/dashboard";
import { handler as docs } from "../src/handlers/docs";
import { AssetSet, IMMUTABLE, REVALIDATE } from "../src/http/static-assets";
import { invoke } from "./support/invoke";

/** The pages and their files, served by their functions from the text inlined in their bundles. */
const page = (handler: typeof docs, path: string, headers: Record<string, string> = {}) =>
  invoke(handler, { method: "GET", path, headers });
const asset = (handler: typeof docs, path: string, name: string, query = "", headers: Record<string, string> = {}) =>
  invoke(handler, {
    method: "GET",
    path: `${path}/${name}`,
    pathParameters: { asset: name },
    rawQueryString: query,
    headers,
  });
const linked = (html: string, name: string) => {
  const match = new RegExp(`"([\\w/]*${name.replace(/\./g, "\\.")})\\?v=([\\w-]+)"`).exec(html);
  if (!match) throw new Error(`the page does not link ${name}`);
  return { path: match[1]!, version: match[2]! };
};

describe("GET /docs and its files (Swagger UI from swagger-ui-dist)", () => {
  it("serves the page with a policy allowing scripts and styles from this origin only", async () => {
    const result = await page(docs, "/docs");
    expect(result.status).toBe(200);
    expect(result.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(result.headers["cache-control"]).toBe(REVALIDATE);
    const policy = result.headers["Content-Security-Policy"];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toMatch(/sandbox|unsafe-eval|https?:/);
    expect(linked(result.text, "swagger-ui-bundle.js").path).toBe("docs/swagger-ui-bundle.js");
    expect(linked(result.text, "docs.js").path).toBe("docs/docs.js");
  });

  it("serves Swagger UI's bundle under its versioned URL for a year, gzipped when accepted", async () => {
    const { version } = linked((await page(docs, "/docs")).text, "swagger-ui-bundle.js");
    const result = await asset(docs, "/docs", "swagger-ui-bundle.js", `v=${version}`, {
      "accept-encoding": "gzip, br",
    });
    expect(result.status).toBe(200);
    expect(result.headers["cache-control"]).toBe(IMMUTABLE);
    expect(result.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(result.headers["content-encoding"]).toBe("gzip");
    const body = gunzipSync(Buffer.from(result.text, "base64")).toString();
    expect(body).toContain("SwaggerUIBundle");
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body).not.toContain("sourceMappingURL");
    // Gzipped at build time (`?gzip`) and served as it is, not recompressed.
    expect(result.text).toBe(swaggerUiBundleGzipped);
  });

  it("gunzips the build-time-gzipped files for a client that does not accept gzip, under the same ETag", async () => {
    const { version } = linked((await page(docs, "/docs")).text, "swagger-ui.css");
    const plain = await asset(docs, "/docs", "swagger-ui.css", `v=${version}`, { "accept-encoding": "identity" });
    expect(plain.status).toBe(200);
    expect(plain.headers["cache-control"]).toBe(IMMUTABLE);
    expect(plain.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("accept-encoding");
    // The file itself, but for the comment naming its source map (not shipped).
    expect(plain.text).toBe(withoutSourceMap(swaggerUiCssText));
    expect(swaggerUiCssText).toContain("sourceMappingURL");
    const gzipped = await asset(docs, "/docs", "swagger-ui.css", `v=${version}`, { "accept-encoding": "gzip" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(Buffer.from(gzipped.text, "base64")).toString()).toBe(plain.text);
    // One ETag for both representations (weak), and a 304 whichever the client accepts.
    expect(gzipped.headers.etag).toBe(plain.headers.etag);
    expect(plain.headers.etag).toBe(`W/"${version}"`);
    for (const encoding of ["gzip", "identity"]) {
      const again = await asset(docs, "/docs", "swagger-ui.css", `v=${version}`, {
        "accept-encoding": encoding,
        "if-none-match": plain.headers.etag!,
      });
      expect(again.status).toBe(304);
      expect(again.headers.etag).toBe(plain.headers.etag);
      expect(again.headers["cache-control"]).toBe(IMMUTABLE);
    }
    const script = await asset(docs, "/docs", "swagger-ui-bundle.js", "", { "accept-encoding": "br" });
    expect(script.headers["content-encoding"]).toBeUndefined();
    expect(script.headers["cache-control"]).toBe(REVALIDATE);
    expect(script.text).toContain("SwaggerUIBundle");
    expect(script.text).toBe(gunzipSync(Buffer.from(swaggerUiBundleGzipped, "base64")).toString());
  });

  it("versions a build-time-gzipped file by its content: the same on every build, another when the file changes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "text-import-"));
    try {
      const file = path.join(dir, "styles.css");
      const urlOf = async () => {
        const gzipped = await loadTextImport(file, "gzip");
        return new AssetSet([{ name: "styles.css", contentType: "text/css; charset=utf-8", gzipped }]).url(
          "/",
          "styles.css",
        );
      };
      writeFileSync(file, ".a { color: red }\n/*# sourceMappingURL=styles.css.map */\n");
      const first = await urlOf();
      expect(first).toMatch(/^\/styles\.css\?v=[\w-]{16}$/);
      expect(await urlOf()).toBe(first);
      writeFileSync(file, ".a { color: blue }\n/*# sourceMappingURL=styles.css.map */\n");
      expect(await urlOf()).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // What the tests' loader (the Vite plugin) gives is what the esbuild plugin and the local
    // server's hooks give: the one implementation.
    const { version } = linked((await page(docs, "/docs")).text, "swagger-ui-bundle.js");
    const built = await loadTextImport(
      createRequire(import.meta.url).resolve("swagger-ui-dist/swagger-ui-bundle.js"),
      "gzip",
    );
    expect(built).toBe(swaggerUiBundleGzipped);
    expect(
      new AssetSet([{ name: "swagger-ui-bundle.js", contentType: "text/javascript", gzipped: built }]).url(
        "docs/",
        "swagger-ui-bundle.js",
      ),
    ).toBe(`docs/swagger-ui-bundle.js?v=${version}`);
  });

  it("revalidates under any other version, answers 304 for a matching ETag, and 404 for an unknown file", async () => {
    const stale = await asset(docs, "/docs", "swagger-ui.css", "v=old");
    expect(stale.status).toBe(200);
    expect(stale.headers["cache-control"]).toBe(REVALIDATE);
    expect(stale.headers["content-encoding"]).toBeUndefined();
    expect(stale.text).toContain(".swagger-ui");
    expect(stale.text).not.toContain("sourceMappingURL");
    const again = await asset(docs, "/docs", "swagger-ui.css", "v=old", { "if-none-match": stale.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    const missing = await asset(docs, "/docs", "index.html");
    expect(missing.status).toBe(404);
    expect(missing.headers["content-type"]).toBe("application/problem+json");
  });
});

describe("GET / and its files (the dashboard)", () => {
  it("serves the page with Trusted Types and no third-party origin", async () => {
    const result = await page(dashboard, "/");
    expect(result.status).toBe(200);
    expect(result.text).toContain("<title>org-service dashboard</title>");
    const policy = result.headers["Content-Security-Policy"];
    expect(policy).toContain("require-trusted-types-for 'script'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/unsafe|https?:/);
    const script = linked(result.text, "main.js");
    const served = await asset(dashboard, "/dashboard", "main.js", `v=${script.version}`);
    expect(served.headers["cache-control"]).toBe(IMMUTABLE);
    // Every module the entry reaches is served, under the plain name it is imported by (revalidated).
    const seen = new Set(["main.js"]);
    const pending = [served.text];
    while (pending.length > 0) {
      for (const [, name] of pending.pop()!.matchAll(/(?:from|import) "\.\/([\w-]+\.js)"/g)) {
        if (seen.has(name!)) continue;
        seen.add(name!);
        const module = await asset(dashboard, "/dashboard", name!);
        expect(module.status, name).toBe(200);
        expect(module.headers["cache-control"]).toBe(REVALIDATE);
        pending.push(module.text);
      }
    }
    expect(seen).toContain("panel-signup.js");
  });
});
