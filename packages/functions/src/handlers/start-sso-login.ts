import { startSsoLogin } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseQuery, requestContextOf } from "../http/request";
import { startSsoQuery } from "../http/sso-schemas";
import { SSO_COOKIE, ssoCookie } from "../http/sso-cookie";

/**
 * GET /auth/sso/start — public: a browser navigation. Redirects to the organization's identity
 * provider, with a cookie that binds the sign-in to this browser (the callback must bring it back).
 */
export const handler = httpEndpoint(
  async (event) => {
    const { organization, email, handoff_challenge } = parseQuery(startSsoQuery, event);
    const started = await startSsoLogin(
      { organization, email, handoffChallenge: handoff_challenge },
      requestContextOf(event),
    );
    return {
      statusCode: 302,
      headers: { location: started.location, "cache-control": "no-store" },
      cookies: [ssoCookie(`${SSO_COOKIE}=${started.browserBinding}`, started.expiresIn)],
    };
  },
  { body: "none" },
);
