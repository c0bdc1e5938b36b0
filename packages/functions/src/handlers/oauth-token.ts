import { clientCredentialsGrant, OAuthError } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { oauthErrorResponse, tokenRequestOf } from "../http/oauth";
import { requestContextOf } from "../http/request";
import { json } from "../http/respond";

/**
 * POST /oauth/token — public: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for machine
 * clients. Answers the RFC's token response, or its error object (never a problem document).
 */
export const handler = httpEndpoint(
  async (event) => {
    try {
      const token = await clientCredentialsGrant(tokenRequestOf(event), requestContextOf(event));
      return json(
        200,
        {
          access_token: token.accessToken,
          token_type: "Bearer",
          expires_in: token.expiresIn,
          scope: token.scopes.join(" "),
        },
        { pragma: "no-cache" },
      );
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(error);
      throw error;
    }
  },
  { body: "none" },
);
