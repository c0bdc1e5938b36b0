import api from "@org-service/dashboard/api.js?raw";
import styles from "@org-service/dashboard/dashboard.css?raw";
import dom from "@org-service/dashboard/dom.js?raw";
import page from "@org-service/dashboard/index.html?raw";
import main from "@org-service/dashboard/main.js?raw";
import documents from "@org-service/dashboard/panel-documents.js?raw";
import email from "@org-service/dashboard/panel-email.js?raw";
import invitation from "@org-service/dashboard/panel-invitation.js?raw";
import lookup from "@org-service/dashboard/panel-lookup.js?raw";
import members from "@org-service/dashboard/panel-members.js?raw";
import organizationSwitch from "@org-service/dashboard/organization-switch.js?raw";
import organization from "@org-service/dashboard/panel-organization.js?raw";
import passwordReset from "@org-service/dashboard/panel-password-reset.js?raw";
import security from "@org-service/dashboard/panel-security.js?raw";
import signin from "@org-service/dashboard/panel-signin.js?raw";
import signup from "@org-service/dashboard/panel-signup.js?raw";
import ssoSettings from "@org-service/dashboard/panel-sso-settings.js?raw";
import session from "@org-service/dashboard/session.js?raw";
import { pagePolicy } from "../http/page-policy";
import { AssetSet } from "../http/static-assets";
import { staticPageHandler } from "../http/static-page";

const javascript = "text/javascript; charset=utf-8";

/**
 * GET / — the dashboard (packages/dashboard); GET /dashboard/{asset} — its modules and styles.
 * Inlined in this function's bundle as text, versioned by content hash. The page names only the
 * entry module's versioned URL; the modules it imports (`./api.js`, flat names, since `{asset}` is one
 * path segment) are asked for without a version and so revalidated: every file the page loads
 * after a deploy is the new one, with no import map (an inline script, which the policy forbids).
 */
const assets = new AssetSet([
  { name: "dashboard.css", contentType: "text/css; charset=utf-8", body: styles },
  ...Object.entries({
    "main.js": main,
    "session.js": session,
    "api.js": api,
    "dom.js": dom,
    "organization-switch.js": organizationSwitch,
    "panel-signin.js": signin,
    "panel-password-reset.js": passwordReset,
    "panel-signup.js": signup,
    "panel-lookup.js": lookup,
    "panel-invitation.js": invitation,
    "panel-email.js": email,
    "panel-organization.js": organization,
    "panel-members.js": members,
    "panel-documents.js": documents,
    "panel-sso-settings.js": ssoSettings,
    "panel-security.js": security,
  }).map(([name, body]) => ({ name, contentType: javascript, body })),
]);

/**
 * Its own modules and styles only, requests to this API only, and Trusted Types: the dashboard
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
