import swaggerUiBundle from "swagger-ui-dist/swagger-ui-bundle.js?gzip";
import swaggerUiBundleLicense from "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt?raw";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css?gzip";
import docsScript from "../docs/docs.js?raw";
import page from "../docs/page.html?raw";
import { pagePolicy } from "../http/page-policy";
import { AssetSet } from "../http/static-assets";
import { staticPageHandler } from "../http/static-page";

/**
 * GET /docs — Swagger UI on GET /openapi.json; GET /docs/{asset} — its files. Self-hosted from the
 * `swagger-ui-dist` package, inlined in this function's bundle (no CDN): the same files locally and
 * deployed, versioned by content hash so they can be cached for a year.
 */
const assets = new AssetSet([
  // The two large files (1.4 MB and 0.2 MB of text) are gzipped at build time, a third of the
  // bytes in the bundle, and their source-map comments stripped (the maps are not shipped; browsers
  // would ask for them and get a 404).
  { name: "swagger-ui-bundle.js", contentType: "text/javascript; charset=utf-8", gzipped: swaggerUiBundle },
  // The bundle's first line points at its licence notices (Apache-2.0 asks to keep them available).
  { name: "swagger-ui-bundle.js.LICENSE.txt", contentType: "text/plain; charset=utf-8", body: swaggerUiBundleLicense },
  { name: "swagger-ui.css", contentType: "text/css; charset=utf-8", gzipped: swaggerUiCss },
  { name: "docs.js", contentType: "text/javascript; charset=utf-8", body: docsScript },
]);

/**
 * Scripts and styles from this origin only; Swagger UI sets inline styles and draws icons as
 * data: images. Trusted Types stay off: React's rendering of the document would trip them.
 */
export const DOCS_CONTENT_SECURITY_POLICY = pagePolicy({
  "script-src": "'self'",
  "style-src": "'self' 'unsafe-inline'",
  "img-src": "'self' data:",
  "font-src": "'self' data:",
  "connect-src": "'self'",
  "require-trusted-types-for": undefined,
  "trusted-types": undefined,
});

export const handler = staticPageHandler({
  page,
  assetPrefix: "docs/",
  assets,
  contentSecurityPolicy: DOCS_CONTENT_SECURITY_POLICY,
});
