import { refreshSession } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { refreshBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { sessionTokensView } from "../http/views";

/** POST /auth/refresh — public: the refresh token is the credential. Rotates: a new access token and a new refresh token. */
export const handler = httpEndpoint(
  async (event) => {
    const { refresh_token } = parseBody(refreshBody, event);
    return json(200, sessionTokensView(await refreshSession({ refreshToken: refresh_token }, requestContextOf(event))));
  },
  { body: "json" },
);
