import { startSsoLogin } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseQuery, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { startSsoQuery } from "../http/sso-schemas";
import { SSO_COOKIE, ssoCookie } from "../http/sso-cookie";

/**
 * GET /auth/sso/start — public. Starts a sign-in at the organization's identity provider, with a
 * cookie that binds it to this browser (the callback must bring it back). A navigation is
 * redirected there; a page's script asks for `answer=json` and navigates itself, so that a refusal
 * (no single sign-on here, a suspended organization) is shown on the page rather than as a bare
 * answer — with one sign-in started, where a probe followed by a navigation would start two.
 */
export const handler = httpEndpoint(
  async (event) => {
    const { organization, email, handoff_challenge, answer } = parseQuery(startSsoQuery, event);
    const started = await startSsoLogin(
      { organization, email, handoffChallenge: handoff_challenge },
      requestContextOf(event),
    );
    const cookies = [ssoCookie(`${SSO_COOKIE}=${started.browserBinding}`, started.expiresIn)];
    if (answer === "json")
      return { ...json(200, { location: started.location, expires_in: started.expiresIn }), cookies };
    return { statusCode: 302, headers: { location: started.location, "cache-control": "no-store" }, cookies };
  },
  { body: "none" },
);
