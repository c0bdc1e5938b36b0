import script from "@org-service/dashboard/dashboard.js?raw";
import styles from "@org-service/dashboard/dashboard.css?raw";
import page from "@org-service/dashboard/index.html?raw";
import { pagePolicy } from "../http/page-policy";
import { AssetSet } from "../http/static-assets";
import { staticPageHandler } from "../http/static-page";

/**
 * GET / — the dashboard (packages/dashboard); GET /dashboard/{asset} — its script and styles.
 * Inlined in this function's bundle as text, versioned by content hash.
 */
const assets = new AssetSet([
  { name: "dashboard.js", contentType: "text/javascript; charset=utf-8", body: script },
  { name: "dashboard.css", contentType: "text/css; charset=utf-8", body: styles },
]);

/**
 * Its own script and styles only, requests to this API only, and Trusted Types: the dashboard
 * never writes HTML from strings, so no injected text can become markup.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY = pagePolicy({
  "script-src": "'self'",
  "style-src": "'self'",
  "img-src": "'self'",
  "connect-src": "'self'",
  "require-trusted-types-for": "'script'",
  "trusted-types": "'none'",
});

export const handler = staticPageHandler({
  page,
  assetPrefix: "dashboard/",
  assets,
  contentSecurityPolicy: DASHBOARD_CONTENT_SECURITY_POLICY,
});
