import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { handler as dashboard } from "../src/dashboard";
import { handler as docs } from "../src/docs";
import { IMMUTABLE, REVALIDATE } from "../src/http/static-assets";
import { invoke } from "./support/invoke";

/** The pages and their files, served by their functions from the text inlined in their bundles. */
const page = (handler: typeof docs, path: string, headers: Record<string, string> = {}) => invoke(handler, { method: "GET", path, headers });
const asset = (handler: typeof docs, path: string, name: string, query = "", headers: Record<string, string> = {}) =>
  invoke(handler, { method: "GET", path: `${path}/${name}`, pathParameters: { asset: name }, rawQueryString: query, headers });
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
    const result = await asset(docs, "/docs", "swagger-ui-bundle.js", `v=${version}`, { "accept-encoding": "gzip, br" });
    expect(result.status).toBe(200);
    expect(result.headers["cache-control"]).toBe(IMMUTABLE);
    expect(result.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(result.headers["content-encoding"]).toBe("gzip");
    const body = gunzipSync(Buffer.from(result.text, "base64")).toString();
    expect(body).toContain("SwaggerUIBundle");
    expect(body.length).toBeGreaterThan(1_000_000);
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
    const script = linked(result.text, "dashboard.js");
    const served = await asset(dashboard, "/dashboard", "dashboard.js", `v=${script.version}`);
    expect(served.headers["cache-control"]).toBe(IMMUTABLE);
    expect(served.text).toContain("org/collection");
  });
});
