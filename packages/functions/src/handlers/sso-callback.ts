import { completeSsoLogin, config, SsoLoginRefusedError } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parsePath, requestContextOf } from "../http/request";
import { ssoCallbackPath } from "../http/sso-schemas";
import { SSO_COOKIE, ssoCookie } from "../http/sso-cookie";

/**
 * GET /auth/sso/callback — public: where identity providers send the browser back. Either way it
 * ends at the dashboard: with a single-use handoff code in the URL's fragment (`#sso=…`, which
 * browsers send to no server and servers do not log), or with the reason it was refused
 * (`#sso_error=…`). The binding cookie is spent.
 */
export const handler = httpEndpoint(
  async (event) => {
    const binding = event.cookies
      ?.map((cookie) => cookie.trim())
      .find((cookie) => cookie.startsWith(`${SSO_COOKIE}=`))
      ?.slice(SSO_COOKIE.length + 1);
    const { organization_id: organizationId } = parsePath(ssoCallbackPath, event);
    const callbackUrl = `${config().jwt.issuer}/auth/sso/callback/${organizationId}${event.rawQueryString ? `?${event.rawQueryString}` : ""}`;
    let fragment: string;
    try {
      const { handoffCode } = await completeSsoLogin(
        { organizationId, callbackUrl, browserBinding: binding },
        requestContextOf(event),
      );
      fragment = `sso=${handoffCode}`;
    } catch (error) {
      if (!(error instanceof SsoLoginRefusedError)) throw error;
      fragment = `sso_error=${error.reason}`;
    }
    return {
      statusCode: 302,
      headers: { location: `${config().messages.appUrl}/#${fragment}`, "cache-control": "no-store" },
      cookies: [ssoCookie(`${SSO_COOKIE}=`, 0)],
    };
  },
  { body: "none" },
);
